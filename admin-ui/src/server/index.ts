export { consoleRouter, type ConsoleRouterOptions, type ErrorLog } from "./consoleRouter.ts";
