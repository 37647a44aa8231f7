// Golden scenarios of the connection lifecycle: every TCP state the kernel times out, persistence
// templates expiring, refreshed and put off, OVERLOAD cleared when connections expire, lblc/lblcr
// entries collected by their periodic checks, a deleted dest leaving the trash, client ports used
// again. Their waits run on the guest's virtual time (minutes cost seconds); the golden files keep
// the kernel's jiffies, so the model replays them exactly.
import type { GoldenTemplate } from './templates.js';
import { rs, Story, SVC } from './story.js';

const S = 1000;
const MIN = 60 * S;

export const LIFECYCLE_TEMPLATES: GoldenTemplate[] = [
  {
    name: 'expire-established',
    about: 'ESTABLISHED entries time out: 900 s by default, 30 s after ipvsadm --set; a data segment re-arms the timer',
    only: ['rr'],
    reaches: ['expire:ESTABLISHED', 'timeouts:set'],
    build: (s) => {
      const st = new Story(s).add(rs(1)).add(rs(2));
      const [long] = st.connect(1);
      st.timeouts(30, 0, 0);
      const [a, b] = st.connect(2, 1);
      st.wait(20 * S).send(b!).wait(11 * S); // a expired (30 s), b re-armed at 20 s
      st.wait(20 * S); // b expired too
      st.wait(14 * MIN).send(long!).wait(15 * MIN + 2 * S); // the default 900 s, re-armed once
      void a;
      return st.done();
    },
  },
  {
    name: 'expire-udp',
    about: 'UDP entries time out: 300 s by default, 30 s after ipvsadm --set udp; a datagram re-arms the timer',
    only: ['rr'],
    reaches: ['expire:UDP', 'timeouts:set'],
    build: (s) => {
      const st = new Story(s, {}, 4, 'udp/10.0.0.1:53').add(rs(1, 53)).add(rs(2, 53));
      const [long] = st.connect(1);
      st.wait(4 * MIN).send(long!).wait(5 * MIN + 2 * S); // the default 300 s, re-armed once
      st.timeouts(0, 0, 30);
      const [, b] = st.connect(2, 1);
      st.wait(20 * S).send(b!).wait(11 * S); // the first expired (30 s), b re-armed at 20 s
      st.wait(22 * S); // b expired too (the wheel puts a 30 s timer up to 2 s later)
      st.connect(2, 2); // scheduled anew on an empty table
      return st.done();
    },
  },
  {
    name: 'expire-closing',
    about: 'the closing states time out: CLOSE 10 s, CLOSE_WAIT 60 s, SYN_RECV 60 s (a silent server), FIN_WAIT 120 s or --set tcpfin, TIME_WAIT 120 s',
    only: ['rr'],
    reaches: ['expire:CLOSE', 'expire:CLOSE_WAIT', 'expire:SYN_RECV', 'expire:FIN_WAIT', 'expire:TIME_WAIT'],
    build: (s) => {
      const st = new Story(s).add(rs(1));
      const [rst, cw, fw, tw] = st.connect(4);
      st.rst(rst!).shut('client', cw!).shut('server', fw!).fin(tw!);
      st.add('10.5.0.1:80'); // a silent server: rr takes it next
      st.connect(1, 1);
      st.timeouts(0, 20, 0);
      const [fw20] = st.connect(1, 2);
      st.shut('server', fw20!);
      st.wait(11 * S).wait(10 * S).wait(40 * S).wait(60 * S).wait(2 * S);
      return st.done();
    },
  },
  {
    name: 'persistence-expiry',
    about: 'a persistence template (the default 300 s) outlives its connections, is refreshed by a new one, then expires',
    only: ['rr'],
    reaches: ['template:expire', 'template:refresh', 'expire:TIME_WAIT'],
    build: (s) => {
      const st = new Story(s, { persistent: 300 }).add(rs(1)).add(rs(2));
      const c1 = st.connectFrom('10.1.0.1', 40000);
      st.fin(c1).wait(2 * MIN + S); // c1 gone, its template stays
      const c2 = st.connectFrom('10.1.0.1', 40001); // same client: same dest, template re-armed
      st.fin(c2).wait(5 * MIN + 20 * S); // 300 s at the wheel's 16 s granularity
      st.connectFrom('10.1.0.1', 40002); // the template expired: scheduled afresh
      return st.done();
    },
  },
  {
    name: 'persistence-expire-later',
    about: 'a template that still controls a connection when it times out waits 60 s more, again and again (expire_later)',
    only: ['rr'],
    reaches: ['template:expire-later', 'template:expire', 'expire:CLOSE'],
    build: (s) => {
      const st = new Story(s, { persistent: 5 }).add(rs(1)).add(rs(2));
      const [c1] = st.connect(1);
      st.wait(6 * S).wait(MIN).rst(c1!).wait(11 * S).wait(MIN);
      st.connect(1, 1);
      return st.done();
    },
  },
  {
    name: 'overload-unbind',
    about: 'OVERLOAD set by the upper threshold is cleared when expiring connections take the count below 3/4 of it (6.1) or l_threshold_val (6.12)',
    only: ['fo'],
    reaches: (_s, semantics) => ['unbind', semantics === '6.1' ? 'overload-clear:3/4' : 'overload-clear:l_threshold_val'],
    build: (s) => {
      const st = new Story(s).add(rs(1), { weight: 2, upper: 4 }).add(rs(2));
      const conns = st.connect(5); // four to .1, which overloads; the fifth to .2
      st.rst(conns[0]!).wait(11 * S); // .1 at 3 of 4: still overloaded (3*4 = 12, not < 12)
      st.connect(1, 1);
      st.rst(conns[1]!).wait(11 * S); // .1 at 2: cleared
      st.connect(2, 2);
      return st.done();
    },
  },
  {
    name: 'overload-lower',
    about: 'with a lower threshold, OVERLOAD stays until expiring connections take the count below it',
    only: ['fo'],
    reaches: (_s, semantics) => ['unbind', semantics === '6.1' ? 'overload-clear:lower' : 'overload-clear:l_threshold_val'],
    build: (s) => {
      const st = new Story(s).add(rs(1), { weight: 2, upper: 3, lower: 1 }).add(rs(2));
      const conns = st.connect(3);
      st.rst(...conns.slice(0, 2)).wait(11 * S); // 1 left: not below 1
      st.connect(1, 1);
      st.rst(conns[2]!).wait(11 * S); // 0: cleared
      st.connect(1, 2);
      return st.done();
    },
  },
  {
    name: 'lblc-collect',
    about: 'an lblc/lblcr entry unused for lblc(r)_expiration is collected by the full check of the periodic timer (every 30th minute)',
    only: ['lblc', 'lblcr'],
    reaches: (s) => [s === 'lblc' ? 'lblc:collect' : 'lblcr:collect'],
    build: (s) => {
      const st = new Story(s).add(rs(1)).add(rs(2));
      st.sysctl(`${s}_expiration`, 60).timeouts(3600, 0, 0);
      st.connect(1); // cached: the head of the list, .2, which keeps this connection
      st.wait(10 * MIN).wait(22 * MIN); // the 30th check (~30.7 min) drops the idle entry
      st.connect(1, 1); // a fresh pick: the idle .1 (the cached .2 would have been kept)
      return st.done();
    },
  },
  {
    name: 'lblcr-shrink',
    about: 'an lblcr set unchanged for lblcr_expiration loses its most loaded member on the next schedule',
    only: ['lblcr'],
    reaches: ['lblcr:shrink', 'expire:CLOSE'],
    build: (s) => {
      const st = new Story(s).add(rs(1), { weight: 10 }).add(rs(2), { weight: 10, upper: 1 });
      st.sysctl('lblcr_expiration', 30);
      // .2 (the head) overloads at once, so .1 joins the set: [.1, .2]; .1 gets two connections
      const [c1, c2, c3] = st.connect(3);
      st.rst(c1!).wait(31 * S); // .2 idle again; the set unchanged for 31 s
      const [c4] = st.connect(1, 1); // set minimum .2, and the most loaded, .1, leaves the set
      st.rst(c2!, c3!, c4!).wait(11 * S);
      st.connect(1, 2); // all idle: the set is [.2] (without the shrink, .1 would win the tie)
      return st.done();
    },
  },
  {
    name: 'trash-expiry',
    about: 'a deleted destination leaves the trash once nothing holds it (its connection expired) and two trash checks passed',
    only: ['rr'],
    reaches: ['trash:free', 'expire:CLOSE'],
    build: (s) => {
      const st = new Story(s).add(rs(1)).add(rs(2));
      const [c1] = st.connect(1);
      st.rst(c1!).del(rs(2)).wait(11 * S).wait(4 * MIN);
      st.add(rs(2)).connect(2, 1);
      return st.done();
    },
  },
  {
    name: 'port-reuse',
    about: 'a client port used again: in TIME_WAIT the entry is expired at once and the SYN scheduled afresh; after expiry it is a new connection',
    only: ['rr'],
    reaches: ['port-reuse:resched', 'expire:CLOSE'],
    build: (s) => {
      const st = new Story(s).add(rs(1)).add(rs(2)).add(rs(3));
      const c1 = st.connectFrom('10.1.0.1', 40000);
      st.fin(c1);
      const c2 = st.connectFrom('10.1.0.1', 40000);
      st.rst(c2).wait(11 * S);
      st.connectFrom('10.1.0.1', 40000);
      return st.done();
    },
  },
  {
    name: 'port-reuse-no-service',
    about: 'a client port used again after its service was deleted: the closed entry is expired at once, no service takes the SYN, and the director refuses it while the entry is still listed',
    only: ['rr'],
    reaches: ['port-reuse:resched-no-service'],
    build: (s) => {
      // A second service keeps IPVS's hook looking at the SYN once the first is gone.
      const st = new Story(s).add(rs(1)).service('10.0.0.4:80', 'rr').on(SVC);
      const c1 = st.connectFrom('10.1.0.1', 40000);
      st.rst(c1).svcDel();
      st.connectFrom('10.1.0.1', 40000);
      return st.done();
    },
  },
  {
    name: 'port-reuse-persistent',
    about: 'a client port used again under persistence: the entry is controlled by its template, so the SYN goes into it',
    only: ['rr'],
    reaches: ['port-reuse:same-entry'],
    build: (s) => {
      const st = new Story(s, { persistent: 300 }).add(rs(1)).add(rs(2));
      const c1 = st.connectFrom('10.1.0.1', 40000);
      st.fin(c1);
      st.connectFrom('10.1.0.1', 40000);
      return st.done();
    },
  },
];
