/** Reported in metadata and recorded in artifacts (kept in step with package.json by hand). */
export const SERVER_NAME = 'score';
export const SERVER_VERSION = '0.1.0';
export const TOOL = `@bucket-ml/score ${SERVER_VERSION}`;
