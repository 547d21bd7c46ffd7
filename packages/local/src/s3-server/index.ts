export { S3Server, isValidBucketName, type S3ServerOptions, type RequestLogEntry } from './server.js';
export { S3Error } from './errors.js';
export { MemoryStore, DirectoryStore, type Store, type ObjectMeta, type BucketInfo } from './store.js';
export type { Credentials } from './sigv4.js';
export type { NotificationConfig, DeliveryFormat } from './notifications/config.js';
export { NotificationDispatcher, type DeliveryEvent, type DispatcherOptions } from './notifications/dispatcher.js';
export { rgwRecord, cephSourceRequest, cephSourceData, type RgwRecord, type ObjectEvent } from './notifications/records.js';
