//! How messages say where a missing piece is given. The CLI names its flags (`--org-name`),
//! the page its fields (`Org name`); core serves both, so its own wording names neither.

/// The words messages use for each control the user has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hints {
    /// What supplies an org name (`--org-name`).
    pub org_name: &'static str,
    /// What supplies a vendor id (`--vendor-id`).
    pub vendor_id: &'static str,
    /// What supplies a vendor per email domain (`--vendor-map`).
    pub vendor_map: &'static str,
    /// What chooses the input's encoding (`--encoding`).
    pub encoding: &'static str,
    /// What names the columns (`--map`).
    pub map: &'static str,
    /// The same, with an example (`--map 'Column=email,Other=phone'`).
    pub map_example: &'static str,
}

impl Hints {
    /// Core's own wording: no flag, no field.
    pub const PLAIN: Hints = Hints {
        org_name: "an org name",
        vendor_id: "a vendor id",
        vendor_map: "a vendor map",
        encoding: "encoding",
        map: "a column mapping",
        map_example: "a column mapping (Column=email,Other=phone)",
    };
}

impl Default for Hints {
    fn default() -> Hints {
        Hints::PLAIN
    }
}
