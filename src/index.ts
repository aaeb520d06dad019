// The library: build a registry from vanity.yaml text or a file, and mount the app.
export { parseConfig, DEFAULT_CACHE_MAX_AGE } from './config.js';
export type { Config, ModuleConfig, ParseResult } from './config.js';
export { loadConfigFile } from './load-config.js';
export { ConfigError, formatProblem } from './problems.js';
export type { Problem } from './problems.js';
export { Registry } from './registry.js';
export type { Module, Match } from './registry.js';
export { Answerer, HEALTH_PATH } from './answer.js';
export type { Answer, AnswerKind, VanityRequest } from './answer.js';
export { Renderer, DEFAULT_TEMPLATES_DIR } from './render.js';
export { createApp } from './app.js';
export type { AnswerSource, AppOptions } from './app.js';
export { createLogger, silentLogger } from './log.js';
export type { Logger, LoggerOptions } from './log.js';
