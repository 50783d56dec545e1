export { ServiceNotices } from './service-notices.js';
export { toNoticeView, toNoticeDelivery, type ServiceNotice, type NoticeDelivery } from './notice-views.js';
