// Event names shared with Go (backend/events/events.go). Never spell an event
// name as a string literal anywhere else.
export const EVENTS = {
  catalogChanged: 'catalog:changed',
  jobsChanged: 'jobs:changed',
  jobsProgress: 'jobs:progress',
  jobsReordered: 'jobs:reordered',
  settingsChanged: 'settings:changed',
  galleryChanged: 'gallery:changed',
  appNotice: 'app:notice',
} as const

export type EventName = (typeof EVENTS)[keyof typeof EVENTS]
