// Golden scenarios of the ipvsadm surface beyond one TCP service: several services side by side,
// a live service switched to the scheduler (its init meets destinations already there), every
// service field edited, a service deleted and added again (its destinations come back from the
// trash), UDP with sends, its timeout and one-packet scheduling, and fwmark services over many
// addresses, persistent per mark. Each runs for every scheduler of the kernel.
import { SCHEDULER_FLAGS } from '../generate/schedulers.js';
import type { GoldenTemplate } from './templates.js';
import { rs, Story, SVC } from './story.js';

const UDP = 'udp/10.0.0.1:53';
const OTHER = '10.0.0.3:80';

/** A scheduler other than `s` to start from before switching to `s`. */
const before = (s: string) => (s === 'rr' ? 'wlc' : 'rr');

export const SURFACE_TEMPLATES: GoldenTemplate[] = [
  {
    name: 'several-services',
    about: 'the scheduler beside a UDP service on the same address and a TCP one on another: traffic to each leaves the others alone',
    build: (s) => {
      const st = new Story(s).add(rs(1)).add(rs(2), { weight: 2 }).add(rs(3));
      st.service(UDP, 'rr').add(rs(1, 53)).add(rs(4, 53));
      st.service(OTHER, 'wlc').add(rs(1)).add(rs(5));
      for (let round = 0; round < 3; round++) {
        st.on(SVC).connect(2, round);
        st.on(UDP).connect(1, round, 10);
        st.on(OTHER).connect(1, round, 20);
      }
      st.on(SVC).del(rs(1));
      st.on(OTHER).connect(2, 4);
      st.on(SVC).connect(3, 5);
      return st.done();
    },
  },
  {
    name: 'switch-in',
    about: 'a live service with destinations of weights 10, 20, 30 and connections switched to the scheduler (ipvsadm -E -s): its init meets them',
    build: (s) => {
      const st = new Story(before(s)).add(rs(1), { weight: 10 }).add(rs(2), { weight: 20 }).add(rs(3), { weight: 30 });
      st.connect(3);
      st.svcEdit({ scheduler: s });
      st.connect(8, 1);
      st.edit(rs(1), { weight: 20 });
      st.connect(4, 2);
      return st.done();
    },
  },
  {
    name: 'svc-edit',
    about: 'every service field edited under traffic: persistence on with a /24 mask, the mask changed, flags, ops, persistence off',
    build: (s) => {
      const st = new Story(s).add(rs(1)).add(rs(2), { weight: 2 }).add(rs(3));
      st.connect(3);
      st.svcEdit({ scheduler: s, persistent: 60, netmask: '255.255.255.0' });
      st.connect(2, 1);
      st.connect(2, 2);
      st.svcEdit({ scheduler: s, persistent: 60, netmask: '255.255.0.0' });
      st.connect(2, 3);
      const own = SCHEDULER_FLAGS[s];
      st.svcEdit({ scheduler: s, flags: own ? [own[1]!] : ['flag-2'], persistent: 60, netmask: '255.255.0.0', ops: true });
      st.connect(2, 4);
      st.svcEdit({ scheduler: s, flags: own ? [...own] : ['flag-1', 'flag-3'] });
      st.connect(3, 5);
      return st.done();
    },
  },
  {
    name: 'svc-readd',
    about: 'a service deleted under connections (no service: refused) and added again: its destinations come back from the trash with their counters',
    build: (s) => {
      const st = new Story(s).add(rs(1)).add(rs(2), { weight: 2 });
      const a = st.connect(3);
      st.svcDel();
      st.connect(1, 1);
      st.service(SVC, s).add(rs(2), { weight: 2 }).add(rs(1));
      st.connect(3, 2);
      st.fin(...a);
      st.connect(2, 3);
      return st.done();
    },
  },
  {
    name: 'udp',
    about: 'UDP: entries stay inactive, sends stay on their entry, the UDP timeout, a deleted destination drops datagrams, one-packet scheduling',
    build: (s) => {
      const st = new Story(s, {}, 4, UDP).add(rs(1, 53)).add(rs(2, 53), { weight: 2 }).add(rs(3, 0));
      const [a, b] = st.connect(4);
      st.send(a!, a!, b!);
      st.timeouts(0, 0, 40);
      st.connect(2, 1);
      st.del(rs(2, 53));
      st.send(a!, b!);
      st.svcEdit({ scheduler: s, ops: true });
      const [o] = st.connect(3, 2);
      st.send(o!, o!);
      st.svcEdit({ scheduler: s, persistent: 30, netmask: '255.255.255.0', ops: true });
      st.connect(3, 3);
      return st.done();
    },
  },
  {
    name: 'fwmark',
    about: 'a fwmark service: TCP and UDP to many addresses behind one mark (hashing schedulers see many buckets), then persistent per mark',
    build: (s) => {
      const st = new Story(s, {}, 4, 'fwm/1').add(rs(1)).add(rs(2), { weight: 2 }).add(rs(3, 0));
      st.connectTo('10.0.1.{h}:80', 8);
      st.connectTo('udp/10.0.1.{h}:53', 4, 1);
      st.connectTo('10.0.1.{h}:443', 3, 2);
      st.svcEdit({ scheduler: s, persistent: 60, netmask: '255.255.255.0' });
      st.connectTo('10.0.1.{h}:80', 4, 3);
      st.connectTo('udp/10.0.1.{h}:53', 3, 3, 20);
      st.connectTo('10.0.1.{h}:80', 3, 4);
      return st.done();
    },
  },
];
