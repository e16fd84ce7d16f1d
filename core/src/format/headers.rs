//! Column names as people write them: one table of names per canonical field, in English,
//! French, German, Spanish, Italian, Dutch, Portuguese and Japanese, as spreadsheets and the
//! exports of Outlook (any language), Thunderbird, Windows Address Book, LinkedIn and Apple
//! write them. Names are compared by [`key`]: case, accents, spaces and punctuation do not
//! count, and a letter already damaged to U+FFFD (`Telefon gesch�ftlich`) matches any one or
//! two letters.

use crate::contact::Field;

/// Names of each field, written as [`key`] gives them. The first field a column's name
/// matches wins; a second column for a field (another e-mail, another phone) is read as a
/// second value (kept if the field is empty, else counted as dropped).
const NAMES: &[(Field, &[&str])] = &[
    (
        Field::FirstName,
        &[
            "firstname",
            "givenname",
            "first",
            "forename",
            "prenom",
            "vorname",
            "nombre",
            "nome",
            "primeironome",
            "voornaam",
            "名",
            "名前",
            "ファーストネーム",
        ],
    ),
    (
        Field::LastName,
        &[
            "lastname",
            "familyname",
            "surname",
            "last",
            "nom",
            "nomdefamille",
            "nachname",
            "familienname",
            "apellido",
            "apellidos",
            "cognome",
            "sobrenome",
            "apelido",
            "ultimonome",
            "achternaam",
            "姓",
            "ラストネーム",
        ],
    ),
    (
        Field::DisplayName,
        &[
            "name",
            "displayname",
            "fullname",
            "nomcomplet",
            "nomaafficher",
            "anzeigename",
            "vollstandigername",
            "nombrecompleto",
            "nomecompleto",
            "volledigenaam",
            "weergavenaam",
            "表示名",
            "氏名",
            "フルネーム",
        ],
    ),
    (
        Field::Email,
        &[
            "email",
            "emailaddress",
            "mail",
            "primaryemail",
            "secondaryemail",
            "emailvalue",
            "emailadresse",
            "courriel",
            "adressecourriel",
            "adressedemessagerie",
            "adresseemail",
            "adresseelectronique",
            "correo",
            "correoelectronico",
            "direcciondecorreoelectronico",
            "direcciondecorreo",
            "indirizzoemail",
            "postaelettronica",
            "indirizzodipostaelettronica",
            "emailadres",
            "enderecodeemail",
            "enderecodecorreioeletronico",
            "電子メールアドレス",
            "電子メール",
            "メールアドレス",
            "メール",
        ],
    ),
    (
        Field::Mobile,
        &[
            "mobile",
            "mobilephone",
            "mobilenumber",
            "mobilephonenumber",
            "cell",
            "cellphone",
            "cellular",
            "portable",
            "telephoneportable",
            "telephonemobile",
            "mobil",
            "mobiltelefon",
            "handy",
            "movil",
            "telefonomovil",
            "celular",
            "telefonocelular",
            "cellulare",
            "telefonocellulare",
            "mobiel",
            "mobieletelefoon",
            "telemovel",
            "telefonecelular",
            "携帯電話",
            "携帯",
        ],
    ),
    (
        Field::Phone,
        &[
            "phone",
            "telephone",
            "tel",
            "phonenumber",
            "businessphone",
            "workphone",
            "homephone",
            "primaryphone",
            "companymainphone",
            "otherphone",
            "telephonebureau",
            "telbureau",
            "telephoneprofessionnel",
            "telephonedomicile",
            "telephoneprincipal",
            "telefon",
            "telefongeschaftlich",
            "telefonprivat",
            "telefonfirma",
            "telefono",
            "telefonotrabajo",
            "telefonodeltrabajo",
            "telefonoparticular",
            "telefonoufficio",
            "telefonocasa",
            "telefoon",
            "telefoonwerk",
            "telefoonthuis",
            "telefone",
            "telefonecomercial",
            "telefoneresidencial",
            "電話",
            "電話番号",
            "会社電話",
            "勤務先電話",
            "自宅電話",
        ],
    ),
    (
        Field::OrgName,
        &[
            "company",
            "companyname",
            "organization",
            "organisation",
            "organizationname",
            "org",
            "societe",
            "entreprise",
            "organisme",
            "firma",
            "unternehmen",
            "empresa",
            "compania",
            "organizacion",
            "azienda",
            "societa",
            "bedrijf",
            "organisatie",
            "会社名",
            "会社",
            "勤務先",
        ],
    ),
    (
        Field::Title,
        &[
            // Not "title": Outlook's Title is the courtesy title (Mr., Dr.).
            "jobtitle",
            "position",
            "positiontitle",
            "occupation",
            "fonction",
            "poste",
            "berufsbezeichnung",
            "puesto",
            "cargo",
            "posizione",
            "qualifica",
            "functie",
            "funcao",
            "役職",
        ],
    ),
    (
        Field::Department,
        &[
            "department",
            "service",
            "abteilung",
            "departamento",
            "reparto",
            "afdeling",
            "部署",
        ],
    ),
    (
        Field::Nickname,
        &[
            "nickname",
            "surnom",
            "spitzname",
            "apodo",
            "soprannome",
            "bijnaam",
            "ニックネーム",
        ],
    ),
    (
        Field::Birthday,
        &[
            "birthday",
            "dateofbirth",
            "birthdate",
            "anniversaire",
            "datedenaissance",
            "geburtstag",
            "geburtsdatum",
            "cumpleanos",
            "fechadenacimiento",
            "compleanno",
            "datadinascita",
            "verjaardag",
            "geboortedatum",
            "aniversario",
            "datadenascimento",
            "誕生日",
        ],
    ),
    (
        Field::Notes,
        &[
            "notes",
            "note",
            "comments",
            "comment",
            "remarque",
            "remarques",
            "notizen",
            "notiz",
            "notas",
            "nota",
            "notities",
            "opmerkingen",
            "observacoes",
            "メモ",
        ],
    ),
    (
        Field::WebPages,
        &[
            "webpage",
            "website",
            "web",
            "url",
            "homepage",
            "personalwebpage",
            "businesswebpage",
            "pageweb",
            "siteweb",
            "siteinternet",
            "webseite",
            "paginaweb",
            "sitioweb",
            "sitoweb",
            "webpagina",
            "ホームページ",
            "webページ",
        ],
    ),
    (
        Field::WorkStreet,
        &[
            "businessstreet",
            "workaddress",
            "businessaddress",
            "strassegeschaftlich",
            "ruebureau",
            "adressebureau",
            "calletrabajo",
            "direcciondeltrabajo",
            "viaufficio",
            "straatwerk",
            "ruacomercial",
            "勤務先番地",
        ],
    ),
    (
        Field::WorkExtended,
        &[
            "businessstreet2",
            "businessstreet3",
            "businessaddresspobox",
            "workaddress2",
            "strassegeschaftlich2",
            "strassegeschaftlich3",
            "postfachgeschaftlich",
            "ruebureau2",
            "ruebureau3",
            "bpbureau",
        ],
    ),
    (
        Field::WorkCity,
        &[
            "businesscity",
            "workcity",
            "ortgeschaftlich",
            "villebureau",
            "ciudadtrabajo",
            "cittaufficio",
            "plaatswerk",
            "cidadecomercial",
            "勤務先市区町村",
        ],
    ),
    (
        Field::WorkRegion,
        &[
            "businessstate",
            "workstate",
            "businessregion",
            "bundeslandkantongeschaftlich",
            "regiongeschaftlich",
            "depregionbureau",
            "regionbureau",
            "provinciatrabajo",
            "provinciaufficio",
            "provinciewerk",
            "estadocomercial",
            "勤務先都道府県",
        ],
    ),
    (
        Field::WorkPostalCode,
        &[
            "businesspostalcode",
            "workzipcode",
            "workpostalcode",
            "businesszip",
            "postleitzahlgeschaftlich",
            "codepostalbureau",
            "codigopostaltrabajo",
            "capufficio",
            "postcodewerk",
            "cepcomercial",
            "勤務先郵便番号",
        ],
    ),
    (
        Field::WorkCountry,
        &[
            "businesscountryregion",
            "businesscountry",
            "workcountry",
            "landregiongeschaftlich",
            "paysregionbureau",
            "paisregiontrabajo",
            "paeseufficio",
            "landwerk",
            "paisregiaocomercial",
            "勤務先国地域",
        ],
    ),
    (
        Field::HomeStreet,
        &[
            "homestreet",
            "homeaddress",
            "strasseprivat",
            "ruedomicile",
            "adressedomicile",
            "callecasa",
            "viaabitazione",
            "straatthuis",
            "ruaresidencial",
            "自宅番地",
        ],
    ),
    (
        Field::HomeExtended,
        &[
            "homestreet2",
            "homestreet3",
            "homeaddresspobox",
            "homeaddress2",
            "strasseprivat2",
            "strasseprivat3",
            "postfachprivat",
            "ruedomicile2",
            "ruedomicile3",
            "bpdomicile",
        ],
    ),
    (
        Field::HomeCity,
        &[
            "homecity",
            "ortprivat",
            "villedomicile",
            "ciudadcasa",
            "cittaabitazione",
            "plaatsthuis",
            "cidaderesidencial",
            "自宅市区町村",
        ],
    ),
    (
        Field::HomeRegion,
        &[
            "homestate",
            "homeregion",
            "bundeslandkantonprivat",
            "regionprivat",
            "depregiondomicile",
            "regiondomicile",
            "provinciacasa",
            "provinciaabitazione",
            "provinciethuis",
            "estadoresidencial",
            "自宅都道府県",
        ],
    ),
    (
        Field::HomePostalCode,
        &[
            "homepostalcode",
            "homezipcode",
            "homezip",
            "postleitzahlprivat",
            "codepostaldomicile",
            "codigopostalcasa",
            "capabitazione",
            "postcodethuis",
            "cepresidencial",
            "自宅郵便番号",
        ],
    ),
    (
        Field::HomeCountry,
        &[
            "homecountryregion",
            "homecountry",
            "landregionprivat",
            "paysregiondomicile",
            "paisregioncasa",
            "paeseabitazione",
            "landthuis",
            "paisregiaoresidencial",
            "自宅国地域",
        ],
    ),
    (
        Field::OtherStreet,
        &[
            // A spreadsheet's (or Gmail 2006's "Section 1 - Address") one postal address.
            "address",
            "postaladdress",
            "streetaddress",
            "otherstreet",
            "otheraddress",
            "weiterestrasse",
            "rueautre",
            "adresseautre",
            "otracalle",
            "altravia",
            "anderestraat",
            "outrarua",
            "その他の番地",
        ],
    ),
    (
        Field::OtherExtended,
        &[
            "otherstreet2",
            "otherstreet3",
            "otheraddresspobox",
            "weiterestrasse2",
            "weiterestrasse3",
            "weiterespostfach",
            "rueautre2",
            "rueautre3",
            "bpautre",
        ],
    ),
    (
        Field::OtherCity,
        &[
            "othercity",
            "weitererort",
            "villeautre",
            "otraciudad",
            "altracitta",
            "andereplaats",
            "outracidade",
            "その他の市区町村",
        ],
    ),
    (
        Field::OtherRegion,
        &[
            "otherstate",
            "otherregion",
            "weiteresbundeslandkanton",
            "weiteresrbundeslandkanton",
            "weitereregion",
            "depregionautre",
            "regionautre",
            "otraprovincia",
            "altraprovincia",
            "andereprovincie",
            "outroestado",
            "その他の都道府県",
        ],
    ),
    (
        Field::OtherPostalCode,
        &[
            "otherpostalcode",
            "otherzipcode",
            "weiterepostleitzahl",
            "codepostalautre",
            "otrocodigopostal",
            "altrocap",
            "anderepostcode",
            "outrocep",
            "その他の郵便番号",
        ],
    ),
    (
        Field::OtherCountry,
        &[
            "othercountryregion",
            "othercountry",
            "weitereslandweitereregion",
            "weitereselandregion",
            "weiteresland",
            "paysregionautre",
            "otropaisregion",
            "altropaese",
            "anderland",
            "outropaisregiao",
            "その他の国地域",
        ],
    ),
];

/// A name as compared: lower case, accents off, no spaces or punctuation; a U+FFFD stays as
/// `?` (see [`matches`]).
pub fn key(name: &str) -> String {
    let mut k = String::with_capacity(name.len());
    for c in name.trim().chars().flat_map(char::to_lowercase) {
        match c {
            '\u{FFFD}' => k.push('?'),
            'ß' => k.push_str("ss"),
            'æ' => k.push_str("ae"),
            'œ' => k.push_str("oe"),
            c if c.is_alphanumeric() => k.push(fold(c)),
            _ => {}
        }
    }
    k
}

/// A Latin letter without its accent.
fn fold(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' => 'a',
        'ç' | 'č' | 'ć' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ě' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'ī' => 'i',
        'ñ' | 'ń' | 'ň' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' => 'u',
        'ý' | 'ÿ' => 'y',
        'š' | 'ś' => 's',
        'ž' | 'ź' | 'ż' => 'z',
        'ł' => 'l',
        'ř' => 'r',
        'ď' => 'd',
        'ť' => 't',
        c => c,
    }
}

/// True when `key` (maybe with `?` for a damaged letter) is `name`: each `?` stands for one
/// or two letters (`ä` folds to one, `ß` to two).
pub fn matches(key: &str, name: &str) -> bool {
    if !key.contains('?') {
        return key == name;
    }
    let (k, n): (Vec<char>, Vec<char>) = (key.chars().collect(), name.chars().collect());
    // Each `?` stands for one or two characters, anything else for itself: the lengths alone
    // rule most names out.
    let wild = k.iter().filter(|&&c| c == '?').count();
    if n.len() < k.len() || n.len() > k.len() + wild {
        return false;
    }
    // `reach[j]`: the key read so far matches exactly `n[..j]`. One pass over the key, each
    // step over the name: linear in each (a backtracking match took seconds on a header of
    // U+FFFD, issue 19).
    let mut reach = vec![false; n.len() + 1];
    reach[0] = true;
    for &c in &k {
        let mut next = vec![false; n.len() + 1];
        for j in (0..=n.len()).filter(|&j| reach[j]) {
            if c == '?' {
                for step in [1, 2] {
                    if j + step <= n.len() {
                        next[j + step] = true;
                    }
                }
            } else if n.get(j) == Some(&c) {
                next[j + 1] = true;
            }
        }
        reach = next;
    }
    reach[n.len()]
}

/// The field a column named `name` feeds, from the table: its exact key, else the key without
/// digits and a leading `section` (`E-mail 2 Address`, Gmail's `Section 1 - Email`).
pub fn field_of(name: &str) -> Option<Field> {
    let k = key(name);
    if k.is_empty() {
        return None;
    }
    let lookup = |k: &str| {
        NAMES
            .iter()
            .find(|(_, names)| names.iter().any(|n| matches(k, n)))
            .map(|(f, _)| *f)
    };
    lookup(&k).or_else(|| {
        let bare: String = k.chars().filter(|c| !c.is_ascii_digit()).collect();
        let bare = bare.strip_prefix("section").unwrap_or(&bare);
        (bare != k).then(|| lookup(bare)).flatten()
    })
}

/// Known names close to `name` (for a header nobody recognises): the nearest of the table by
/// edit distance, at most `n`, best first.
pub fn closest(name: &str, n: usize) -> Vec<(&'static str, Field)> {
    let k = key(name);
    let k = k.as_str();
    let mut scored: Vec<(usize, &'static str, Field)> = NAMES
        .iter()
        .flat_map(|(f, names)| names.iter().map(move |x| (distance(k, x), *x, *f)))
        .filter(|(d, x, _)| *d <= (x.chars().count() / 3).max(2))
        .collect();
    scored.sort();
    scored.into_iter().take(n).map(|(_, x, f)| (x, f)).collect()
}

fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for j in 0..b.len() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != b[j]))
                .min(row[j] + 1)
                .min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_as_people_write_them() {
        for (name, field) in [
            ("First Name", Field::FirstName),
            ("first_name", Field::FirstName),
            ("Prénom", Field::FirstName),
            ("Vorname", Field::FirstName),
            ("名", Field::FirstName),
            ("Nom", Field::LastName),
            ("Nachname", Field::LastName),
            ("Cognome", Field::LastName),
            ("姓", Field::LastName),
            ("E-mail", Field::Email),
            ("Email", Field::Email),
            ("e_mail", Field::Email),
            ("E-Mail-Adresse", Field::Email),
            ("Courriel", Field::Email),
            ("Adresse de messagerie", Field::Email),
            ("電子メール アドレス", Field::Email),
            ("E-mail 2 Address", Field::Email),
            ("Section 1 - Email", Field::Email),
            ("Primary Email", Field::Email),
            ("Téléphone mobile", Field::Mobile),
            ("Portable", Field::Mobile),
            ("Mobile Number", Field::Mobile),
            ("携帯電話", Field::Mobile),
            ("Tél. bureau", Field::Phone),
            ("Work Phone", Field::Phone),
            ("Telefon geschäftlich", Field::Phone),
            ("Telefon gesch\u{FFFD}ftlich", Field::Phone),
            ("Société", Field::OrgName),
            ("Company", Field::OrgName),
            ("会社名", Field::OrgName),
            ("Display Name", Field::DisplayName),
            ("Name", Field::DisplayName),
        ] {
            assert_eq!(field_of(name), Some(field), "{name}");
        }
        // Issue 20: the fields people use after the name, e-mail and phone.
        for (name, field) in [
            ("Notes", Field::Notes),
            ("Birthday", Field::Birthday),
            ("Geburtstag", Field::Birthday),
            ("Job Title", Field::Title),
            ("Position", Field::Title),
            ("Abteilung", Field::Department),
            ("Nickname", Field::Nickname),
            ("Web Page", Field::WebPages),
            ("Stra\u{FFFD}e gesch\u{FFFD}ftlich", Field::WorkStreet),
            ("Business Street 2", Field::WorkExtended),
            ("Postleitzahl privat", Field::HomePostalCode),
            ("Ville (domicile)", Field::HomeCity),
        ] {
            assert_eq!(field_of(name), Some(field), "{name}");
        }
        for name in ["", "Title", "Anrede", "Shoe size"] {
            assert_eq!(field_of(name), None, "{name}");
        }
    }

    #[test]
    fn a_damaged_letter_stands_for_one_or_two() {
        assert!(matches("stra?e", "strasse"));
        assert!(matches("gesch?ftlich", "geschaftlich"));
        assert!(!matches("gesch?ftlich", "geschftlich"));
        assert!(!matches("a?", "a"));
    }

    #[test]
    fn close_names_are_suggested() {
        let c = closest("Emial", 3);
        assert_eq!(c.first().map(|x| x.1), Some(Field::Email), "{c:?}");
        assert!(closest("Zzzzzzzz", 3).is_empty());
    }

    /// The definition `matches` keeps: each `?` one or two characters (backtracking, small
    /// inputs only).
    fn matches_slowly(k: &[char], n: &[char]) -> bool {
        match k.split_first() {
            None => n.is_empty(),
            Some(('?', rest)) => {
                (!n.is_empty() && matches_slowly(rest, &n[1..]))
                    || (n.len() >= 2 && matches_slowly(rest, &n[2..]))
            }
            Some((c, rest)) => n.first() == Some(c) && matches_slowly(rest, &n[1..]),
        }
    }

    proptest::proptest! {
        #[test]
        fn wildcards_match_as_defined(key in "[ab?]{0,12}", name in "[ab]{0,14}") {
            let (k, n): (Vec<char>, Vec<char>) = (key.chars().collect(), name.chars().collect());
            proptest::prop_assert_eq!(matches(&key, &name), matches_slowly(&k, &n));
        }
    }

    /// Issue 19: a header of columns made of U+FFFD (each a wildcard) is mapped without
    /// backtracking; the e-mail column is still found.
    #[test]
    fn a_header_of_replacement_characters_is_mapped() {
        let junk = "\u{FFFD}".repeat(3000);
        assert_eq!(field_of(&junk), None);
        let names: Vec<String> = (1..200).map(|i| "\u{FFFD}".repeat(i)).collect();
        for n in &names {
            assert!(field_of(n).is_none() || n.chars().count() < 40);
        }
        assert_eq!(field_of("E-mail"), Some(Field::Email));
    }
}
