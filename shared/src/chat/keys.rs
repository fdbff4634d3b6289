//! Redis key names of the contract, built in one place.

use uuid::Uuid;

pub fn session(id: Uuid) -> String {
    format!("chat:sess:{id}")
}
pub fn character(id: Uuid) -> String {
    format!("chat:char:{id}")
}
pub fn book(id: Uuid) -> String {
    format!("chat:book:{id}")
}
pub fn rewrite(character_id: Uuid, hash: &str) -> String {
    format!("chat:qr:{character_id}:{hash}")
}
pub fn lock(session_id: Uuid) -> String {
    format!("chat:lock:{session_id}")
}
