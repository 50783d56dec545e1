/** A TCP port on 127.0.0.1 that is free now and that no other caller in this process or another jest worker is handed. */
export function findFreePort(): Promise<number>;
/** Whether `port` can be bound on 127.0.0.1 right now. */
export function isPortFree(port: number): Promise<boolean>;
