/** One server-sent event as written on the wire; `content` marks chunks that carry generated output. */
export interface Frame {
  data: string;
  content: boolean;
}

export function sseData(obj: unknown, content = false): Frame {
  return { data: `data: ${JSON.stringify(obj)}\n\n`, content };
}

export function sseEvent(event: string, obj: unknown, content = false): Frame {
  return { data: `event: ${event}\ndata: ${JSON.stringify(obj)}\n\n`, content };
}
