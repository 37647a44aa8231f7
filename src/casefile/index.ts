export { CASE_FORMAT, loadCase, parseCase, replayCommand, saveCase, stringifyCase, type CaseFile } from './casefile.js';
export { validateScenario } from './validate-scenario.js';
