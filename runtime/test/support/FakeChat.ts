import type { RequestMethod, RequestParams, RequestResult } from "@aachat/protocol";
import type { ChatRequests } from "../../src/chat/ChatRequests.ts";

export interface ChatRequest {
  method: RequestMethod;
  params: Record<string, unknown>;
}

/** The appservice's side of the runtime's chat requests, in memory: it takes every request and records it. */
export class FakeChat implements ChatRequests {
  readonly requests: ChatRequest[] = [];
  #next = 0;

  request<M extends RequestMethod>(method: M, params: RequestParams<M>): Promise<RequestResult<M>> {
    this.requests.push({ method, params });
    const result = method === "message.send" ? { eventId: `$event${++this.#next}` } : {};
    return Promise.resolve(result as RequestResult<M>);
  }

  /** The requests of one method, in order. */
  of(method: RequestMethod): Record<string, unknown>[] {
    return this.requests.filter((request) => request.method === method).map((request) => request.params);
  }
}
