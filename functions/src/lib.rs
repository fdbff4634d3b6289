//! Support for the binaries: the local server (`serve`), the demo, the dev commands standing in
//! for the frontend, and an SSE client. The Lambda entry points stay thin over `shared`.

pub mod bench;
pub mod demo;
pub mod dev;
pub mod lambda;
pub mod local;
pub mod memory;
pub mod sse_client;
