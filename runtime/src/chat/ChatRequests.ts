import type { RequestMethod, RequestParams, RequestResult } from "@aachat/protocol";

/** What the runtime's parts need of the connection: asking the appservice to act as the agent. */
export interface ChatRequests {
  request<M extends RequestMethod>(method: M, params: RequestParams<M>): Promise<RequestResult<M>>;
}
