/** Where an OpenAI provider serves the Responses API, after its base URL. */
export const RESPONSES_PATH = '/responses';
