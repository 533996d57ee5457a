/**
 * The few remote read messages we exchange (prompb/remote.proto and types.proto), declared here
 * rather than generated: a request of matchers over a time range asking for streamed XOR chunks,
 * and the ChunkedReadResponse each frame holds.
 */
import protobuf from 'protobufjs';

const PROTO = `
syntax = "proto3";
package prometheus;

message ReadRequest {
  enum ResponseType { SAMPLES = 0; STREAMED_XOR_CHUNKS = 1; }
  repeated Query queries = 1;
  repeated ResponseType accepted_response_types = 2;
}
message Query {
  int64 start_timestamp_ms = 1;
  int64 end_timestamp_ms = 2;
  repeated LabelMatcher matchers = 3;
}
message LabelMatcher {
  enum Type { EQ = 0; NEQ = 1; RE = 2; NRE = 3; }
  Type type = 1;
  string name = 2;
  string value = 3;
}
message Label { string name = 1; string value = 2; }
message Chunk {
  enum Encoding { UNKNOWN = 0; XOR = 1; HISTOGRAM = 2; FLOAT_HISTOGRAM = 3; }
  int64 min_time_ms = 1;
  int64 max_time_ms = 2;
  Encoding type = 3;
  bytes data = 4;
}
message ChunkedSeries { repeated Label labels = 1; repeated Chunk chunks = 2; }
message ChunkedReadResponse { repeated ChunkedSeries chunked_series = 1; int64 query_index = 2; }
`;

const root = protobuf.parse(PROTO).root;
const ReadRequest = root.lookupType('prometheus.ReadRequest');
const ChunkedReadResponse = root.lookupType('prometheus.ChunkedReadResponse');

export const MATCH = { EQ: 0, NEQ: 1, RE: 2, NRE: 3 } as const;
export type MatchType = (typeof MATCH)[keyof typeof MATCH];
export const STREAMED_XOR_CHUNKS = 1;
export const XOR_ENCODING = 1;

export interface LabelMatcher {
  type: MatchType;
  name: string;
  value: string;
}

export interface ReadQuery {
  startMs: number;
  endMs: number;
  matchers: LabelMatcher[];
}

/** int64 fields decode to a Long (long.js is installed); our times fit a double. */
type Int64 = number | { toNumber(): number };
const num = (x: Int64 | undefined): number =>
  x === undefined ? 0 : typeof x === 'number' ? x : x.toNumber();

export interface WireChunk {
  minTimeMs: number;
  maxTimeMs: number;
  type: number;
  data: Uint8Array;
}

export interface WireSeries {
  labels: { name: string; value: string }[];
  chunks: WireChunk[];
}

export interface WireResponse {
  queryIndex: number;
  series: WireSeries[];
}

export function encodeReadRequest(queries: ReadQuery[]): Uint8Array {
  return ReadRequest.encode(
    ReadRequest.create({
      queries: queries.map((q) => ({
        startTimestampMs: q.startMs,
        endTimestampMs: q.endMs,
        matchers: q.matchers,
      })),
      acceptedResponseTypes: [STREAMED_XOR_CHUNKS],
    }),
  ).finish();
}

interface DecodedChunk {
  minTimeMs?: Int64;
  maxTimeMs?: Int64;
  type?: number;
  data?: Uint8Array;
}
interface DecodedResponse {
  queryIndex?: Int64;
  chunkedSeries?: { labels?: { name?: string; value?: string }[]; chunks?: DecodedChunk[] }[];
}

export function decodeChunkedReadResponse(frame: Uint8Array): WireResponse {
  const m = ChunkedReadResponse.decode(frame) as unknown as DecodedResponse;
  return {
    queryIndex: num(m.queryIndex),
    series: (m.chunkedSeries ?? []).map((s) => ({
      labels: (s.labels ?? []).map((l) => ({ name: l.name ?? '', value: l.value ?? '' })),
      chunks: (s.chunks ?? []).map((c) => ({
        minTimeMs: num(c.minTimeMs),
        maxTimeMs: num(c.maxTimeMs),
        type: c.type ?? 0,
        data: c.data ?? new Uint8Array(0),
      })),
    })),
  };
}
