//! Countries in contact files: which columns hold one (in the languages of the header table),
//! and which region a cell names, so a record's national phone numbers are read in its
//! country. Codes are the phone library's own list of regions.

use super::headers::key;
use crate::phone::Region;

/// True for a country column (`Country`, `Home Country/Region`, `Pays`, `Land/Region
/// geschäftlich`, `国/地域`, Google's `Address 1 - Country`): a record's national numbers are
/// read in its country.
pub fn is_country(name: &str) -> bool {
    let k: String = key(name).chars().filter(|c| !c.is_ascii_digit()).collect();
    k.contains("country")
        || k.starts_with("landregion")
        || [
            "land",
            "pays",
            "paysregion",
            "pais",
            "paese",
            "nazione",
            "国",
            "国地域",
        ]
        .contains(&k.as_str())
        || k.starts_with("国")
}

/// The region a country cell names: a code (`DE`, `de`) or a country's name in
/// one of the table's languages (`Deutschland`, `Allemagne`, `Germany`). `None` when unknown.
pub fn country_code(cell: &str) -> Option<Region> {
    const NAMES: &[(&str, &[&str])] = &[
        (
            "FR",
            &[
                "france",
                "frankreich",
                "francia",
                "frankrijk",
                "franca",
                "フランス",
            ],
        ),
        (
            "DE",
            &[
                "germany",
                "deutschland",
                "allemagne",
                "alemania",
                "germania",
                "duitsland",
                "alemanha",
                "ドイツ",
            ],
        ),
        (
            "IT",
            &[
                "italy",
                "italie",
                "italien",
                "italia",
                "italie",
                "italië",
                "イタリア",
            ],
        ),
        (
            "ES",
            &[
                "spain",
                "espagne",
                "spanien",
                "espana",
                "spagna",
                "spanje",
                "espanha",
                "スペイン",
            ],
        ),
        ("PT", &["portugal", "portogallo", "ポルトガル"]),
        (
            "NL",
            &[
                "netherlands",
                "thenetherlands",
                "paysbas",
                "niederlande",
                "paisesbajos",
                "paesibassi",
                "nederland",
                "holland",
                "オランダ",
            ],
        ),
        (
            "BE",
            &[
                "belgium",
                "belgique",
                "belgien",
                "belgica",
                "belgio",
                "belgie",
                "ベルギー",
            ],
        ),
        (
            "CH",
            &[
                "switzerland",
                "suisse",
                "schweiz",
                "suiza",
                "svizzera",
                "zwitserland",
                "suica",
                "スイス",
            ],
        ),
        (
            "AT",
            &[
                "austria",
                "autriche",
                "osterreich",
                "oostenrijk",
                "オーストリア",
            ],
        ),
        (
            "LU",
            &["luxembourg", "luxemburg", "luxemburgo", "lussemburgo"],
        ),
        (
            "GB",
            &[
                "unitedkingdom",
                "uk",
                "greatbritain",
                "england",
                "royaumeuni",
                "grossbritannien",
                "vereinigteskonigreich",
                "reinounido",
                "regnounito",
                "verenigdkoninkrijk",
                "イギリス",
            ],
        ),
        (
            "IE",
            &["ireland", "irlande", "irland", "irlanda", "ierland"],
        ),
        (
            "US",
            &[
                "unitedstates",
                "usa",
                "unitedstatesofamerica",
                "etatsunis",
                "vereinigtestaaten",
                "estadosunidos",
                "statiuniti",
                "verenigdestaten",
                "アメリカ",
                "アメリカ合衆国",
            ],
        ),
        ("CA", &["canada", "kanada", "canada"]),
        ("JP", &["japan", "japon", "giappone", "japao", "日本"]),
        ("CN", &["china", "chine", "cina", "中国"]),
        ("IN", &["india", "inde", "indien"]),
        (
            "BR",
            &["brazil", "bresil", "brasilien", "brasil", "brasile"],
        ),
        (
            "MA",
            &["morocco", "maroc", "marokko", "marruecos", "marocco"],
        ),
        (
            "DZ",
            &["algeria", "algerie", "algerien", "argelia", "algeria"],
        ),
        ("TN", &["tunisia", "tunisie", "tunesien", "tunez"]),
        (
            "SE",
            &[
                "sweden", "suede", "schweden", "suecia", "svezia", "zweden", "sverige",
            ],
        ),
        (
            "NO",
            &[
                "norway",
                "norvege",
                "norwegen",
                "noruega",
                "norvegia",
                "noorwegen",
                "norge",
            ],
        ),
        (
            "DK",
            &[
                "denmark",
                "danemark",
                "danemark",
                "dinamarca",
                "danimarca",
                "denemarken",
                "danmark",
            ],
        ),
        (
            "FI",
            &["finland", "finlande", "finnland", "finlandia", "suomi"],
        ),
        ("PL", &["poland", "pologne", "polen", "polonia", "polska"]),
        (
            "CZ",
            &[
                "czechrepublic",
                "czechia",
                "republiquetcheque",
                "tschechien",
            ],
        ),
        ("GR", &["greece", "grece", "griechenland", "grecia"]),
        ("RE", &["reunion", "lareunion"]),
        ("GP", &["guadeloupe"]),
        ("MQ", &["martinique"]),
        ("GF", &["guyane", "frenchguiana"]),
        ("YT", &["mayotte"]),
        ("CI", &["cotedivoire", "ivorycoast"]),
        ("SN", &["senegal"]),
        ("AU", &["australia", "australie", "australien"]),
        ("IL", &["israel"]),
        ("RU", &["russia", "russie", "russland", "rusia", "russia"]),
    ];
    let k = key(cell);
    if k.is_empty() {
        return None;
    }
    if let Some((code, _)) = NAMES.iter().find(|(_, names)| names.contains(&k.as_str())) {
        return code.parse().ok();
    }
    // An ISO code as written (`de`, `DE`): one the phone library knows.
    if k.len() == 2 && k.chars().all(|c| c.is_ascii_alphabetic()) {
        return k.parse().ok();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn country_columns_and_their_cells() {
        for name in [
            "Country",
            "Home Country/Region",
            "Business Country",
            "Pays",
            "Land/Region gesch\u{FFFD}ftlich",
            "Address 1 - Country",
            "国/地域 (自宅)",
            "Work Country",
        ] {
            assert!(is_country(name), "{name}");
        }
        for name in ["Landline", "Company", "Email"] {
            assert!(!is_country(name), "{name}");
        }
        for (cell, code) in [
            ("Deutschland", "DE"),
            ("Allemagne", "DE"),
            ("de", "DE"),
            ("Italia", "IT"),
            ("United Kingdom", "GB"),
            ("Côte d'Ivoire", "CI"),
            ("BE", "BE"),
            ("nz", "NZ"),
        ] {
            assert_eq!(
                country_code(cell).map(|r| r.code().to_string()).as_deref(),
                Some(code),
                "{cell}"
            );
        }
        assert_eq!(country_code("Atlantis"), None);
        assert_eq!(country_code(""), None);
        // Every code the phone library knows, and only those.
        assert_eq!(
            country_code("xk").map(|r| r.code().to_string()).as_deref(),
            Some("XK")
        );
        assert_eq!(country_code("ZZ"), None);
    }
}
