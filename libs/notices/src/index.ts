export { ServiceNotices } from './service-notices.js';
export { NoticeStore, noticeParticipantReferences } from './notice-store.js';
export { noticeFeedSource } from './notice-feed-source.js';
export { toNoticeView, toNoticeDelivery, noticeMessage, type ServiceNotice, type NoticeDelivery } from './notice-views.js';
