export { VIP, eventScheduler, planArb, planToScenario, scenarioArb, scenarioScheduler, scenarioSchedulers, type Plan, type ScenarioArbOptions } from './scenario-arb.js';
export { ALL_FLAGS, ALL_SCHEDULERS, KERNEL_SCHEDULERS, SCHEDULER_FLAGS, schedulersFor } from './schedulers.js';
export { caseSeed, generateCase, inShard } from './case-seed.js';
