//! Support for the binaries: the local server (`serve`), the demo, the dev commands standing in
//! for the frontend, and an SSE client. The Lambda entry points stay thin over `shared`.

#[cfg(feature = "embedded")]
pub mod bench;
#[cfg(feature = "embedded")]
pub mod demo;
#[cfg(feature = "embedded")]
pub mod dev;
#[cfg(all(feature = "embedded", feature = "local-embedder"))]
pub mod embeddings_server;
pub mod lambda;
#[cfg(feature = "embedded")]
pub mod local;
pub mod memory;
#[cfg(feature = "embedded")]
pub mod sse_client;
