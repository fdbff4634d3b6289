//! The job pipeline between `processing_queue` and the ingestion flow: the loss-free `poller`,
//! the idempotent `worker` (one delivery of one job), and the in-process runner (`local`) that
//! `falsafa serve` uses when no SQS queue is configured.

pub mod local;
pub mod poller;
pub mod worker;

pub use local::{spawn_local_workers, spawn_poller, start_background};
pub use poller::{poll_once, PollReport};
pub use worker::{dead_letter, deliver, mark_dead, Delivery};
