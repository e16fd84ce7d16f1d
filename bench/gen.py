#!/usr/bin/env python3
"""Deterministic generator of N realistic contacts (seeded).

Writes DIR/contacts.csv (canonical CSV), DIR/covage.json (a Covage export), DIR/kojo.json
(a Kojo export), DIR/contacts-mixed.csv and DIR/covage-mixed.json (the same contacts as a Covage
export, issue 22) (the same shape, a third of its numbers foreign from
40 countries, drawn inside country codes, national shapes read as French, words, extensions): accented, hyphenated and one-word names, commas, quotes and (about 5%) newlines
inside quoted fields, French numbers in the shapes people type, foreign numbers, empty mobiles,
and a few invalid rows.

usage: gen.py N DIR [SEED]
"""
import csv
import json
import random
import sys
import unicodedata

FIRST = ["Jean", "Marie", "Élodie", "François", "Noémie", "Jean-Pierre", "Anne-Sophie", "Chloé",
         "Zoé", "Gaëlle", "Inès", "Léa", "Hugo", "Thomas", "Camille", "Mathieu", "Sébastien",
         "Amélie", "Rémi", "Étienne", "Bérénice", "Yasmine", "Karim", "Ana", "William", "Jürgen"]
LAST = ["Martin", "Bernard", "Dubois-Fontaine", "Lefèvre", "de la Tour", "O'Brien", "Nguyễn",
        "Müller", "García López", "Le Goff", "Roux", "Girard", "Benali", "El Amrani", "Mercier",
        "Rousseau-Petit", "Chevalier", "Faure", "Lambert", "Perrin"]
ORGS = ["Colibrix SAS", "Orange Business, Paris", "Alsace Fibre", "Dublin Networks \"DN\" Ltd",
        "Québec Télécom Inc.", "Berlin Glasfaser GmbH", "Lyon Infra", "Marseille Connect\n(siège)"]
DOMAINS = ["colibrix.fr", "orange-business.fr", "alsace-fibre.fr", "exemple.fr", "quebec-telecom.ca"]


def french(r, mobile):
    lead = r.choice(["6", "7"]) if mobile else r.choice(["1", "2", "3", "4", "5"])
    if mobile and lead == "7":
        second = r.choice("5678")
    elif mobile:
        second = r.choice("124578")
    else:
        second = r.choice("3456789")
    rest = "".join(r.choice("0123456789") for _ in range(7))
    digits = f"{lead}{second}{rest}"
    pairs = [digits[1:3], digits[3:5], digits[5:7], digits[7:9]]
    shape = r.random()
    if shape < 0.35:
        return f"0{lead} " + " ".join(pairs)
    if shape < 0.55:
        return f"0{lead}." + ".".join(pairs)
    if shape < 0.75:
        return f"+33 {lead} " + " ".join(pairs)
    if shape < 0.85:
        return f"0033{digits}"
    return f"0{digits}"


def foreign(r):
    return r.choice(["+1 514 555 01{:02d}", "+44 20 7946 0{:03d}", "+49 30 123{:04d}", "+34 912 34 {:04d}"]).format(r.randrange(100))


# Country codes and an area code of each, for numbers from 40 countries in the mixed file.
COUNTRIES = [("1", "212"), ("1", "514"), ("44", "20"), ("49", "30"), ("34", "91"), ("39", "06"),
             ("39", "02"), ("31", "20"), ("32", "2"), ("41", "44"), ("43", "1"), ("351", "21"),
             ("353", "1"), ("46", "8"), ("47", "2"), ("45", "3"), ("358", "9"), ("48", "22"),
             ("420", "2"), ("30", "21"), ("36", "1"), ("40", "21"), ("90", "212"), ("7", "495"),
             ("86", "10"), ("81", "3"), ("82", "2"), ("91", "11"), ("61", "2"), ("64", "9"),
             ("55", "11"), ("52", "55"), ("54", "11"), ("27", "11"), ("212", "522"),
             ("213", "21"), ("216", "71"), ("221", "33"), ("225", "27"), ("971", "4"),
             ("972", "3"), ("65", "6")]


def mixed(r):
    """A number as a real address book has them besides French ones: foreign (E.164, spaced,
    00), drawn at random inside a country code (often unassigned), a foreign national shape read
    as French, words, extensions."""
    cc, area = r.choice(COUNTRIES)
    rest = "".join(r.choice("0123456789") for _ in range(r.randint(5, 9)))
    u = r.random()
    if u < 0.45:
        return f"+{cc} {area} {rest}"
    if u < 0.6:
        return f"00{cc}{area}{rest}"
    if u < 0.8:
        return f"+{cc}{r.randint(0, 9)}{rest}"
    if u < 0.9:
        return f"0{area}{rest}"
    if u < 0.95:
        return r.choice(["pager", "n/a", "voir mail", "standard"])
    return f"+33 1 42 84 54 03 ext. {r.randint(1, 99)}"


def main():
    n = int(sys.argv[1])
    out = sys.argv[2]
    r = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 42)
    fields = ["first_name", "last_name", "display_name", "email", "phone", "mobile", "org_name", "vendor_id"]
    with open(f"{out}/contacts-mixed.csv", "w", newline="", encoding="utf-8") as fmix, \
            open(f"{out}/covage-mixed.json", "w", encoding="utf-8") as fcovm:
        # The same shape of file, a third of whose numbers are foreign or invalid (issue 13).
        w = csv.writer(fmix, lineterminator="\n")
        w.writerow(fields)
        fcovm.write("[\n")
        for i in range(n):
            first, last = r.choice(FIRST), r.choice(LAST)
            phone = mixed(r) if r.random() < 1 / 3 else french(r, False)
            mobile = mixed(r) if r.random() < 1 / 3 else ("" if r.random() < 0.2 else french(r, True))
            email = f"x.{i}@{r.choice(DOMAINS)}"
            w.writerow([first, last, f"{first} {last}", email, phone, mobile, r.choice(ORGS), f"ck{i:023d}"])
            # As a Covage export: the numbers as typed (Covage keeps what its users enter).
            fcovm.write((",\n" if i else "") + json.dumps({
                "contact_uuid": f"{i:08x}", "first_name": first, "last_name": last,
                "phone_number": phone, "cell_phone_number": mobile, "email": email}, ensure_ascii=False))
        fcovm.write("\n]\n")
    r = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 42)
    with open(f"{out}/contacts.csv", "w", newline="", encoding="utf-8") as fcsv, \
            open(f"{out}/covage.json", "w", encoding="utf-8") as fcov, \
            open(f"{out}/kojo.json", "w", encoding="utf-8") as fkojo:
        w = csv.writer(fcsv, lineterminator="\n")
        w.writerow(fields)
        fcov.write("[\n")
        fkojo.write("[\n")
        for i in range(n):
            first = r.choice(FIRST)
            last = r.choice(LAST)
            if r.random() < 0.01:
                first = ""  # a one-word name
            display = f"{first} {last}".strip()
            # Addresses are ASCII, as people's are: accents stripped from the name.
            ascii_first = unicodedata.normalize("NFKD", first.lower()).encode("ascii", "ignore").decode()
            email = f"{ascii_first or 'x'}.{i}@{r.choice(DOMAINS)}".replace(" ", "")
            phone = foreign(r) if r.random() < 0.05 else french(r, False)
            mobile = "" if r.random() < 0.2 else french(r, True)
            org = r.choice(ORGS)
            if r.random() < 0.05:
                org = org + "\nservice achats"  # newlines inside quoted fields
            if r.random() < 0.005:
                email = "not-an-email"  # a few invalid rows
            if r.random() < 0.005:
                phone = "01 23"
            vendor = f"ck{i:023d}"
            w.writerow([first, last, display, email, phone, mobile, org, vendor])
            sep = ",\n" if i else ""
            fcov.write(sep + json.dumps({"contact_uuid": f"{i:08x}", "first_name": first, "last_name": last,
                                         "phone_number": phone.replace(" ", ""), "cell_phone_number": mobile.replace(" ", ""),
                                         "email": email}, ensure_ascii=False))
            k = {"id": vendor, "displayName": display, "email": email, "orgName": org, "vendorId": vendor,
                 "createdAt": "2021-03-24 17:26:46.983Z", "updatedAt": "2021-02-18T20:52:55.395Z"}
            if mobile:
                k["phone"] = mobile
            fkojo.write(sep + json.dumps(k, ensure_ascii=False))
        fcov.write("\n]\n")
        fkojo.write("\n]\n")


if __name__ == "__main__":
    main()
