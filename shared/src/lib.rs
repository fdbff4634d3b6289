//! Falsafa's shared core: the domain, one trait per port, the embedded and production adapters,
//! the two flows (`ingest`, `chat`) as named stages, and the axum routers every entry point serves.

pub mod adapters;
pub mod app;
pub mod chat;
pub mod config;
pub mod domain;
pub mod error;
pub mod extract;
pub mod http;
pub mod ingest;
pub mod jobs;
pub mod ports;
pub mod schema;
pub mod telemetry;
pub mod text;

pub use app::App;
pub use config::Config;
