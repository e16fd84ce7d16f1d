//! Covage's wire type: a contact exactly as `GET /api/contacts/` returns it.

use crate::nullable;
use serde::{Deserialize, Serialize};

/// A Covage contact. The docs' table calls `phone_number` a "dictionary" and `email` an
/// "endpoint list", but every example (and the wire) carries plain strings; `null` reads as empty.
/// PUT needs the full object, so every field is always written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CovageContact {
    /// Assigned by Covage; absent on create.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_uuid: Option<String>,
    /// First name.
    #[serde(default, deserialize_with = "nullable")]
    pub first_name: String,
    /// Last name.
    #[serde(default, deserialize_with = "nullable")]
    pub last_name: String,
    /// Fixed line, national form for French numbers (`0142845403`).
    #[serde(default, deserialize_with = "nullable")]
    pub phone_number: String,
    /// Mobile, national form for French numbers.
    #[serde(default, deserialize_with = "nullable")]
    pub cell_phone_number: String,
    /// Email.
    #[serde(default, deserialize_with = "nullable")]
    pub email: String,
}
