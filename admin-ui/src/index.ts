export { consoleRouter, type ConsoleRouterOptions, type ErrorLog } from "./server/consoleRouter.ts";
