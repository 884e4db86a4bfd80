/**
 * A readonly type's fields, writable: for the few hot objects the core builds field by field
 * (signals, alert records, decisions), where conditional spreads would cost an object and a shape
 * each. They are handed on as the readonly type once built.
 */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] };
