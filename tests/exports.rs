//! End-to-end: the files other programs write (issue 12), read with default options. The
//! fixtures are ours, in the shapes of real exports (never copies of third-party files).

mod util;
use serde_json::Value;
use util::Dir;

/// Converts `name` (written with `bytes`) to NDJSON with `extra` flags; the records and stderr.
fn convert(d: &Dir, name: &str, bytes: &[u8], extra: &[&str], code: i32) -> (Vec<Value>, String) {
    d.write(name, bytes);
    let mut args = vec!["convert", name, "--to", "ndjson"];
    args.extend(extra);
    let run = d.run(&args).expect(code);
    let records = run
        .stdout()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (records, run.stderr())
}

fn names_and_emails(records: &[Value]) -> Vec<(String, String)> {
    records
        .iter()
        .map(|r| {
            let s = |k: &str| r[k].as_str().unwrap_or("").to_string();
            (s("display_name"), s("email"))
        })
        .collect()
}

#[test]
fn german_outlook_with_damaged_header_and_ragged_rows() {
    let d = Dir::new();
    // As a German Outlook 2007 export that went through a wrong decode: ä and ß are U+FFFD.
    let text = "\"Anrede\",\"Vorname\",\"Nachname\",\"Firma\",\"Stra\u{FFFD}e gesch\u{FFFD}ftlich\",\"Telefon gesch\u{FFFD}ftlich\",\"Mobiltelefon\",\"E-Mail-Adresse\",\"Notizen\"\r\n\
        \"\",,,\"Die Firma\",,\"+49 89 5550100\"\r\n\
        \"Herr\",\"Jürgen\",\"Weiß\",\"Nordlicht GmbH\",\"Hafenstr. 1\",\"+49 40 5550123\",\"+49 151 23456789\",\"j.weiss@nordlicht.example\",\"Kunde\"\r\n";
    let (records, stderr) = convert(&d, "outlook-de.csv", text.as_bytes(), &[], 0);
    assert_eq!(records.len(), 2, "{stderr}");
    assert_eq!(
        records[0]["org_name"], "Die Firma",
        "a company-only row is a contact"
    );
    assert_eq!(records[1]["first_name"], "Jürgen");
    assert_eq!(records[1]["last_name"], "Weiß");
    assert_eq!(records[1]["email"], "j.weiss@nordlicht.example");
    assert_eq!(records[1]["phone"], "+49405550123");
    assert_eq!(records[1]["mobile"], "+4915123456789");
    assert!(
        stderr.contains("Telefon gesch\u{FFFD}ftlich → phone"),
        "{stderr}"
    );
}

#[test]
fn japanese_outlook_thunderbird_and_gmail_2006() {
    let d = Dir::new();
    let jp = "肩書き,名,ミドル ネーム,姓,会社名,会社電話,携帯電話,電子メール アドレス,電子メールの種類\r\n,花子,,山田,さくら商事,+81 3-1234-5678,,hanako.yamada@sakura.example,SMTP\r\n";
    let (r, e) = convert(&d, "jp.csv", jp.as_bytes(), &[], 0);
    assert_eq!(
        names_and_emails(&r),
        [("花子 山田".into(), "hanako.yamada@sakura.example".into())],
        "{e}"
    );
    assert_eq!(r[0]["org_name"], "さくら商事");

    // Thunderbird: a trailing comma gives an unnamed last column.
    let tb = "First Name,Last Name,Display Name,Nickname,Primary Email,Secondary Email,Work Phone,Home Phone,Mobile Number,Organization,\nAda,Lovelace,Ada Lovelace,ada,ada@analytical.example,ada2@analytical.example,,,,Analytical Engines,\n";
    let (r, e) = convert(&d, "tb.csv", tb.as_bytes(), &["--report", "tb.json"], 0);
    assert_eq!(
        names_and_emails(&r),
        [("Ada Lovelace".into(), "ada@analytical.example".into())],
        "{e}"
    );
    let report: Value = serde_json::from_str(&d.read("tb.json")).unwrap();
    assert_eq!(
        r[0]["other_emails"], "ada2@analytical.example",
        "the second address is kept"
    );
    assert!(report["dropped_fields"].get("Secondary Email").is_none());
    assert!(report["mapping"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["column"] == "Primary Email" && m["field"] == "email"));

    // Gmail's 2006 layout: Name, E-mail, then "Section 1 - …".
    let gm = "Name,E-mail,Notes,Section 1 - Description,Section 1 - Email,Section 1 - Phone,Section 1 - Mobile,Section 1 - Company\nGrace Hopper,grace@navy.example,,,grace.hopper@navy.example,,,\"Navy, US\"\n";
    let (r, e) = convert(&d, "gmail2006.csv", gm.as_bytes(), &[], 0);
    assert_eq!(
        names_and_emails(&r),
        [("Grace Hopper".into(), "grace@navy.example".into())],
        "{e}"
    );
    assert_eq!(r[0]["first_name"], "Grace");
    assert_eq!(r[0]["org_name"], "Navy, US");
}

#[test]
fn linkedin_notes_before_the_header_are_skipped() {
    let d = Dir::new();
    let text = "Notes:\n\"When exporting your connection data, you may notice that some of the email addresses are missing.\"\n\nFirst Name,Last Name,URL,Email Address,Company,Position,Connected On\nLinus,Berg,https://www.linkedin.com/in/lberg,linus.berg@fjord.example,\"Fjord, AB\",\"Head of\nData\",01 Mar 2024\n,Nakamura,https://www.linkedin.com/in/nakamura,,Kumo,CTO,02 Mar 2024\nEva,Lind,https://www.linkedin.com/in/elind,not-an-email,Lind AB,CEO,03 Mar 2024\n";
    let (r, e) = convert(&d, "Connections.csv", text.as_bytes(), &[], 0);
    assert_eq!(
        names_and_emails(&r),
        [
            ("Linus Berg".into(), "linus.berg@fjord.example".into()),
            ("Nakamura".into(), String::new()),
            ("Eva Lind".into(), "not-an-email".into()),
        ],
        "{e}"
    );
    assert!(e.contains("2 line(s) before the header skipped"), "{e}");
    assert!(
        e.contains("not a valid email address: kept as written"),
        "{e}"
    );
}

#[test]
fn a_french_spreadsheet_and_a_mapping_for_what_no_one_would_guess() {
    let d = Dir::new();
    // Excel FR: semicolons, Windows-1252.
    let mut bytes = b"Pr\xe9nom;Nom;Courriel;Portable;Soci\xe9t\xe9;Remarque\r\n".to_vec();
    bytes.extend_from_slice(
        b"Andr\xe9;L\xe9vesque;andre@exemple.fr;06 99 43 78 92;Colibrix;client fid\xe8le\r\n",
    );
    let (r, e) = convert(&d, "fr.csv", &bytes, &[], 0);
    assert_eq!(
        names_and_emails(&r),
        [("André Lévesque".into(), "andre@exemple.fr".into())],
        "{e}"
    );
    assert_eq!(r[0]["mobile"], "+33699437892");
    assert_eq!(r[0]["org_name"], "Colibrix");

    // A header nobody would guess: exit 2 naming the columns, a close name, and --map.
    let odd = "Qui,Joignable au,Adresse élec,Emial\nZoé,01 42 84 54 03,zoe@exemple.fr,x@y.fr\n";
    d.write("odd.csv", odd);
    let run = d.run(&["convert", "odd.csv"]).expect(2);
    let msg = run.stderr();
    assert!(
        msg.contains("Qui, Joignable au, Adresse élec, Emial"),
        "{msg}"
    );
    assert!(msg.contains("\"Emial\" is close to email"), "{msg}");
    assert!(msg.contains("--map"), "{msg}");
    // Mapped, it converts; `-` drops a column.
    let (r, e) = convert(
        &d,
        "odd.csv",
        odd.as_bytes(),
        &[
            "--map",
            "Qui=display_name,Joignable au=phone",
            "--map",
            "Adresse élec=email,Emial=-",
        ],
        0,
    );
    assert_eq!(
        names_and_emails(&r),
        [("Zoé".into(), "zoe@exemple.fr".into())],
        "{e}"
    );
    assert_eq!(r[0]["phone"], "+33142845403");
    assert!(e.contains("Qui → display_name"), "{e}");
    let bad = d
        .run(&["convert", "odd.csv", "--map", "Qui=shoe_size"])
        .expect(2);
    assert!(bad.stderr().contains("is not a field"), "{}", bad.stderr());
}

#[test]
fn a_file_without_a_header_is_refused_saying_so() {
    let d = Dir::new();
    d.write(
        "tb-old.csv",
        "Ada,Lovelace,Ada Lovelace,ada,ada@analytical.example,,99999999,,\n",
    );
    let run = d.run(&["convert", "tb-old.csv"]).expect(2);
    assert!(run.stderr().contains("no header row"), "{}", run.stderr());
}

#[test]
fn thunderbird_exports_without_a_header_row_are_read_in_its_order() {
    // Older Thunderbird wrote no header row: 36 columns (no "Screen Name") and a trailing
    // comma; today's order has 37. Both are recognised by their width and an e-mail address
    // where Thunderbird puts it; the user is told the columns were guessed.
    let old = |first: &str, last: &str, email: &str, mobile: &str| {
        let mut cols = vec![String::new(); 36];
        cols[0] = first.into();
        cols[1] = last.into();
        cols[2] = format!("{first} {last}");
        cols[4] = email.into();
        cols[10] = mobile.into(); // Mobile Number
        cols[25] = "Analytical Engines".into(); // Organization
        cols[35] = "\"met at the Royal Society, 1833\"".into(); // Notes
        format!("{},\n", cols.join(","))
    };
    let text = old(
        "Ada",
        "Lovelace",
        "ada@analytical.example",
        "06 99 43 78 92",
    ) + &old("Charles", "Babbage", "charles@analytical.example", "");
    let d = Dir::new();
    let (records, stderr) = convert(
        &d,
        "tb-old.csv",
        text.as_bytes(),
        &["--report", "r.json"],
        0,
    );
    assert_eq!(
        names_and_emails(&records),
        [
            ("Ada Lovelace".into(), "ada@analytical.example".into()),
            (
                "Charles Babbage".into(),
                "charles@analytical.example".into()
            )
        ]
    );
    assert_eq!(records[0]["mobile"], "+33699437892");
    assert_eq!(records[0]["org_name"], "Analytical Engines");
    assert!(
        stderr.contains("no header row; its columns were read in Thunderbird's export order"),
        "{stderr}"
    );
    let report: Value = serde_json::from_str(&d.read("r.json")).unwrap();
    assert_eq!(report["headerless"], "Thunderbird");
    assert_eq!(
        report["read"], 2,
        "the first line is a contact, not a header"
    );

    // Today's order (with "Screen Name"), its trailing comma too.
    let mut cols = vec![""; 37];
    cols[0] = "Grace";
    cols[1] = "Hopper";
    cols[4] = "grace@navy.example";
    cols[6] = "ghopper";
    cols[11] = "+1 202 555 0143";
    let (records, _) = convert(
        &d,
        "tb-new.csv",
        format!("{},\n", cols.join(",")).as_bytes(),
        &[],
        0,
    );
    assert_eq!(records[0]["email"], "grace@navy.example");
    assert_eq!(records[0]["mobile"], "+12025550143");
}

#[test]
fn aliased_headers_convert_alike_on_every_core() {
    // Larger than a parallel chunk: the parallel path must read the header as the serial one.
    let d = Dir::new();
    let mut text = String::from("Vorname;Nachname;E-Mail-Adresse;Mobiltelefon;Notizen\n");
    for i in 0..30_000 {
        text.push_str(&format!(
            "Jürgen{i};Weiß;j{i}@nordlicht.example;+49 151 2345{:04};x\n",
            i % 10_000
        ));
    }
    d.write("big.csv", &text);
    d.run(&[
        "convert",
        "big.csv",
        "-o",
        "par.ndjson",
        "--report",
        "p.json",
    ])
    .expect(0);
    let par = d.read("par.ndjson");
    assert_eq!(par.lines().count(), 30_000);
    assert!(
        par.starts_with("{\"first_name\":\"Jürgen0\",\"last_name\":\"Weiß\",\"display_name\":\"Jürgen0 Weiß\",\"email\":\"j0@nordlicht.example\",\"mobile\":\"+4915123450000\",\"notes\":\"x\"}"),
        "{}",
        &par[..200]
    );
    let r: Value = serde_json::from_str(&d.read("p.json")).unwrap();
    assert_eq!(r["mapping"][2]["field"], "email", "{}", r["mapping"]);
    // Issue 20: Outlook's notes are kept now.
    assert!(
        r["dropped_fields"].get("Notizen").is_none(),
        "{}",
        r["dropped_fields"]
    );
}

#[test]
fn vcards_from_phones_and_mail_clients_and_back() {
    let d = Dir::new();
    // Android 2.1: quoted-printable with a soft break, a card with no name, CRLF.
    let android = "BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=C3=BCller;J=C3=BC=\r\nrgen;;;\r\nFN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:J=C3=BCrgen M=C3=BCller\r\nTEL;CELL;PREF:+49 151 23456789\r\nEMAIL;HOME:juergen@home.example\r\nPHOTO;ENCODING=BASE64;JPEG:/9j/4AAQSkZJRgABAQ\r\n AAAQABAAD\r\n\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:2.1\r\nEMAIL;PREF:noname@company.example\r\nEND:VCARD\r\n";
    // iPhone 3.0: CR CR LF, group prefixes, escaped colon.
    let iphone = "BEGIN:VCARD\r\r\nVERSION:3.0\r\r\nN:Doe;John;;Mr.;\r\r\nFN:John Doe\r\r\nORG:Acme\\, Inc.;\r\r\nitem1.EMAIL;type=INTERNET;type=pref:john.doe@acme.example\r\r\nitem1.X-ABLabel:_$!<Other>!$_\r\r\nitem2.URL:http\\://acme.example\r\r\nTEL;type=WORK;type=VOICE:+33 1 42 84 54 03\r\r\nEND:VCARD\r\r\n";
    // 4.0: tel: URIs, a quoted type list, PREF=1, a folded line, LF only.
    let v4 = "BEGIN:VCARD\nVERSION:4.0\nFN:Zoé Martin\nN:Martin;Zoé;;;\nEMAIL;TYPE=home:zoe@home.example\nEMAIL;PREF=1;TYPE=work:zoe.martin@colibrix.example\nTEL;VALUE=uri;TYPE=\"cell,voice\":tel:+33-6-99-43-78-92\nNOTE:a note folded\n  over two lines\nEND:VCARD\n";
    for (name, text, want) in [
        (
            "android.vcf",
            android,
            vec![
                ("Jürgen Müller", "juergen@home.example"),
                ("", "noname@company.example"),
            ],
        ),
        (
            "iphone.vcf",
            iphone,
            vec![("John Doe", "john.doe@acme.example")],
        ),
        (
            "v4.vcf",
            v4,
            vec![("Zoé Martin", "zoe.martin@colibrix.example")],
        ),
    ] {
        let (r, e) = convert(&d, name, text.as_bytes(), &[], 0);
        let got = names_and_emails(&r);
        let want: Vec<(String, String)> = want
            .into_iter()
            .map(|(a, b)| (a.into(), b.into()))
            .collect();
        assert_eq!(got, want, "{name}: {e}");
    }
    let (r, _) = convert(&d, "v4.vcf", v4.as_bytes(), &[], 0);
    assert_eq!(r[0]["mobile"], "+33699437892");
    let (r, _) = convert(&d, "iphone.vcf", iphone.as_bytes(), &[], 0);
    assert_eq!(r[0]["org_name"], "Acme, Inc.");
    assert_eq!(r[0]["phone"], "+33142845403");

    // Out again, to a phone: 3.0 by default, 4.0 on request; and back, unchanged.
    d.run(&["convert", "v4.vcf", "-o", "backup.csv"]).expect(0);
    d.run(&["convert", "backup.csv", "-o", "phone.vcf"])
        .expect(0);
    let card = d.read("phone.vcf");
    assert!(card.starts_with("BEGIN:VCARD\r\nVERSION:3.0\r\n"), "{card}");
    assert!(
        card.contains("TEL;TYPE=CELL,VOICE:+33699437892\r\n"),
        "{card}"
    );
    d.run(&["convert", "phone.vcf", "-o", "again.csv"])
        .expect(0);
    assert_eq!(d.read("again.csv"), d.read("backup.csv"));
    d.run(&[
        "convert",
        "backup.csv",
        "-o",
        "v4out.vcf",
        "--vcard-version",
        "4",
    ])
    .expect(0);
    assert!(d.read("v4out.vcf").contains("VERSION:4.0\r\n"));
    assert!(d.read("v4out.vcf").contains("tel:+33699437892"));
}

#[test]
fn a_country_column_chooses_where_national_numbers_are_read() {
    let d = Dir::new();
    let text = "First Name,Last Name,E-mail Address,Business Phone,Business Country/Region\n\
        Hans,Meier,hans@firma.example,030 1234567,Deutschland\n\
        Anne,Dupont,anne@societe.example,01 42 84 54 03,France\n\
        Gio,Rossi,gio@ditta.example,06 1234 5678,IT\n\
        Zoé,Martin,zoe@exemple.example,01 42 84 54 03,\n";
    let (r, e) = convert(&d, "countries.csv", text.as_bytes(), &[], 0);
    let phones: Vec<&str> = r.iter().map(|x| x["phone"].as_str().unwrap()).collect();
    assert_eq!(
        phones,
        [
            "+49301234567",
            "+33142845403",
            "+390612345678",
            "+33142845403"
        ],
        "{e}"
    );
}
