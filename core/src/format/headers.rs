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
    fn go(k: &[char], n: &[char]) -> bool {
        match k.split_first() {
            None => n.is_empty(),
            Some(('?', rest)) => {
                (!n.is_empty() && go(rest, &n[1..])) || (n.len() >= 2 && go(rest, &n[2..]))
            }
            Some((c, rest)) => n.first() == Some(c) && go(rest, &n[1..]),
        }
    }
    let (k, n): (Vec<char>, Vec<char>) = (key.chars().collect(), name.chars().collect());
    go(&k, &n)
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
        for name in [
            "Notes",
            "Birthday",
            "Job Title",
            "Nickname",
            "",
            "Stra\u{FFFD}e gesch\u{FFFD}ftlich",
        ] {
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
}
