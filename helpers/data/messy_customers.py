"""Messy customers: hand-typed customer records with every mess the cleaning notebook teaches.

Generating process (seeded; published in datasets/README.md):

1. ``n_people`` true people: country (US 35%, UK 25%, India 20%, Germany 12%, Canada 8%), sex 50/50,
   a first and last name from that country's pool, an age of 18-75 on 2024-01-01 and a birth date to
   match, and an annual salary in US dollars that grows with age (concave), depends on the country,
   carries an 8% gap between men and women (a bias to find and discuss) and log-normal noise (sd 0.25),
   rounded to 100.
2. Each person is typed once; 3% are typed twice identically (same id) and 4% re-registered under a
   new id with other spellings (near-duplicates). The rows are shuffled.
3. Typing draws a form for every field: names as "Richard Roe", "Roe, Richard", "Mr. Richard Roe",
   upper or lower case, a middle initial; countries as "USA", "U.S.", " united states", a city, a code;
   sex as "M", "male", "f", "?"; birth dates in ISO, the local day/month order (mm/dd/yyyy in the US and
   Canada, dd/mm/yyyy elsewhere), "March 4, 1970", an age typed instead of a date, or an impossible date
   (30 February, 31 April, a birth in the future or before 1900); salaries with thousands separators;
   stray whitespace; missing values as an empty field, "N/A", " ", "unknown" or "?".
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

SEED = 3
REFERENCE_DATE = dt.date(2024, 1, 1)

COUNTRIES = {  # share, salary base (USD, age 18), how people there write the country, cities
    "United States": (0.35, 42_000, ["USA", "U.S.", "US", "usa", "United States", " united states", "U.S.A."], ["New York", "Chicago"]),
    "United Kingdom": (0.25, 33_000, ["UK", "U.K.", "United Kingdom", "england", "Great Britain", "united kingdom "], ["London", "Manchester"]),
    "India": (0.20, 9_000, ["India", "IND", " india", "IN", "Republic of India"], ["Mumbai", "Bangalore"]),
    "Germany": (0.12, 36_000, ["Germany", "DE", "Deutschland", "germany", "GER"], ["Berlin", "Munich"]),
    "Canada": (0.08, 38_000, ["Canada", "CA", "canada", "CAN"], ["Toronto", "Vancouver"]),
}
CANONICAL = {"United States": "USA", "United Kingdom": "UK", "India": "India", "Germany": "Germany", "Canada": "Canada"}
MONTH_FIRST = {"United States", "Canada"}

FIRST = {
    ("United States", "M"): ["Richard", "John", "Michael", "David", "James", "Robert", "Daniel", "Kevin"],
    ("United States", "F"): ["Mary", "Jennifer", "Linda", "Susan", "Jessica", "Emily", "Sarah", "Ashley"],
    ("United Kingdom", "M"): ["Oliver", "Harry", "George", "Jack", "Thomas", "William", "Alfie", "Henry"],
    ("United Kingdom", "F"): ["Olivia", "Amelia", "Isla", "Emily", "Poppy", "Sophie", "Grace", "Lily"],
    ("India", "M"): ["Arnav", "Rahul", "Vikram", "Aditya", "Rohan", "Arjun", "Sanjay", "Karan"],
    ("India", "F"): ["Priya", "Ananya", "Kavya", "Divya", "Meera", "Pooja", "Shreya", "Neha"],
    ("Germany", "M"): ["Lukas", "Jonas", "Felix", "Maximilian", "Paul", "Leon", "Stefan", "Jürgen"],
    ("Germany", "F"): ["Anna", "Lena", "Katharina", "Julia", "Sophie", "Marie", "Sabine", "Ursula"],
    ("Canada", "M"): ["Liam", "Noah", "Ethan", "Logan", "Lucas", "Benjamin", "Owen", "Nathan"],
    ("Canada", "F"): ["Emma", "Charlotte", "Chloe", "Ava", "Maya", "Zoe", "Claire", "Madison"],
}
LAST = {
    "United States": ["Roe", "Smith", "Johnson", "Williams", "Brown", "Miller", "Davis", "Garcia", "Wilson", "Major"],
    "United Kingdom": ["Smith", "Jones", "Taylor", "Brown", "Evans", "Wright", "Walker", "Hughes", "Roberts", "Major"],
    "India": ["Desai", "Sharma", "Patel", "Gupta", "Iyer", "Reddy", "Nair", "Singh", "Kumar", "Mehta"],
    "Germany": ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann"],
    "Canada": ["Tremblay", "Martin", "Roy", "Gagnon", "Lee", "Wilson", "MacDonald", "Campbell", "Leblanc", "Young"],
}
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]
MISSING = ["N/A", " ", "unknown"]


def _pick(rng: np.random.Generator, options: list):
    """One of ``options`` as the Python object itself (``rng.choice`` would turn NaN into the text "nan")."""
    return options[int(rng.integers(len(options)))]


def _people(rng: np.random.Generator, n_people: int) -> pd.DataFrame:
    countries = list(COUNTRIES)
    country = rng.choice(countries, size=n_people, p=[COUNTRIES[c][0] for c in countries])
    sex = rng.choice(["M", "F"], size=n_people)
    first = [FIRST[(c, s)][i] for c, s, i in zip(country, sex, rng.integers(0, 8, n_people))]
    last = [LAST[c][i] for c, i in zip(country, rng.integers(0, 10, n_people))]
    middle = rng.choice(list("ABCDEJKLMRST"), size=n_people)
    age_days = rng.integers(18 * 365, 76 * 365, n_people)
    dob = [REFERENCE_DATE - dt.timedelta(days=int(d)) for d in age_days]
    age = age_days / 365.25
    experience = age - 18
    base = np.array([COUNTRIES[c][1] for c in country])
    growth = 1 + 0.045 * experience - 0.00055 * experience**2  # peaks in the mid-fifties
    gap = np.where(sex == "F", 0.92, 1.0)  # deliberate bias, see the datasheet
    salary = np.round(base * growth * gap * rng.lognormal(0.0, 0.25, n_people), -2).astype(int)
    return pd.DataFrame({"country": country, "sex": sex, "first": first, "middle": middle, "last": last,
                         "dob": dob, "age": age.astype(int), "salary": salary})


def _name(rng: np.random.Generator, person) -> str | float:
    form = rng.choice(["plain", "comma", "title", "upper", "lower", "middle", "missing"],
                      p=[0.55, 0.15, 0.12, 0.05, 0.05, 0.05, 0.03])
    first, last = person.first, person.last
    if form == "missing":
        return _pick(rng, [np.nan, "N/A"])
    if form == "comma":
        return f"{last}, {first}"
    if form == "title":
        title = _pick(rng, ["Mr.", "Dr."]) if person.sex == "M" else _pick(rng, ["Mrs.", "Ms.", "Dr."])
        return f"{title} {first} {last}"
    if form == "upper":
        return f"{first} {last}".upper()
    if form == "lower":
        return f"{first} {last}".lower()
    if form == "middle":
        return f"{first} {person.middle}. {last}"
    return f"{first} {last}"


def _country(rng: np.random.Generator, person) -> str | float:
    _, _, variants, cities = COUNTRIES[person.country]
    form = rng.choice(["canonical", "variant", "city", "missing"], p=[0.60, 0.34, 0.03, 0.03])
    if form == "missing":
        return _pick(rng, [np.nan, "N/A", "?"])
    if form == "city":
        return _pick(rng, cities)
    if form == "variant":
        return _pick(rng, variants)
    return CANONICAL[person.country]


def _sex(rng: np.random.Generator, person) -> str | float:
    form = rng.choice(["code", "word", "lower", "title", "unknown", "missing"], p=[0.55, 0.20, 0.10, 0.08, 0.03, 0.04])
    word = {"M": "male", "F": "female"}[person.sex]
    if form == "unknown":
        return "?"
    if form == "missing":
        return _pick(rng, [np.nan, "N/A"])
    return {"code": person.sex, "word": word, "lower": person.sex.lower(), "title": word.title()}[form]


def _impossible(rng: np.random.Generator, dob: dt.date) -> str:
    kind = rng.choice(["feb30", "apr31", "future", "ancient"])
    if kind == "feb30":
        return f"{dob.year}-02-30"
    if kind == "apr31":
        return f"31/04/{dob.year}"
    if kind == "future":
        return f"{dob.year + 100}-{dob.month:02d}-{dob.day:02d}"
    return f"{dob.year - 120}-{dob.month:02d}-{dob.day:02d}"


def _dob(rng: np.random.Generator, person) -> str | float:
    form = rng.choice(["iso", "local", "long", "age", "impossible", "missing"], p=[0.40, 0.35, 0.10, 0.04, 0.03, 0.08])
    d = person.dob
    if form == "missing":
        return _pick(rng, [np.nan, "N/A", " ", "unknown"])
    if form == "age":
        return str(person.age)
    if form == "impossible":
        return _impossible(rng, d)
    if form == "long":
        return f"{MONTHS[d.month - 1]} {d.day}, {d.year}"
    if form == "local":
        return f"{d.month:02d}/{d.day:02d}/{d.year}" if person.country in MONTH_FIRST else f"{d.day:02d}/{d.month:02d}/{d.year}"
    return d.isoformat()


def _salary(rng: np.random.Generator, person) -> str | float:
    form = rng.choice(["plain", "thousands", "missing"], p=[0.93, 0.05, 0.02])
    if form == "missing":
        return _pick(rng, [np.nan, "N/A"])
    return f"{person.salary:,}" if form == "thousands" else str(person.salary)


def _pad(rng: np.random.Generator, value: str | float) -> str | float:
    """Stray whitespace, as hand typing leaves it: leading, trailing or doubled inner spaces."""
    if not isinstance(value, str) or not value.strip() or rng.random() > 0.08:
        return value
    kind = rng.integers(0, 3)
    return [" " + value, value + "  ", value.replace(" ", "  ", 1)][kind]


def _type(rng: np.random.Generator, person) -> dict[str, str | float]:
    return {"name": _pad(rng, _name(rng, person)), "country": _country(rng, person), "sex": _sex(rng, person),
            "dob": _dob(rng, person), "salary": _salary(rng, person)}


def generate(seed: int = SEED, n_people: int = 1000, exact_duplicates: float = 0.03,
             near_duplicates: float = 0.04) -> pd.DataFrame:
    """Messy customer rows, all text (``str``; ``NaN`` where the field was left empty).

    Columns: customer_id, name, country, sex, dob, salary (annual, US dollars, as typed).
    ``n_people`` true people give about ``n_people * (1 + exact_duplicates + near_duplicates)`` rows.
    """
    rng = np.random.default_rng(seed)
    people = _people(rng, n_people)
    rows = []
    for i, person in enumerate(people.itertuples(index=False)):
        rows.append({"customer_id": f"C{i + 1:05d}", **_type(rng, person)})
    n_exact = int(round(exact_duplicates * n_people))
    n_near = int(round(near_duplicates * n_people))
    for i in rng.choice(n_people, n_exact, replace=False):
        rows.append(dict(rows[i]))
    for j, i in enumerate(rng.choice(n_people, n_near, replace=False)):
        person = people.iloc[int(i)]
        retyped = _type(rng, person)
        retyped["salary"] = str(person.salary)  # the same person, the same salary
        rows.append({"customer_id": f"C{n_people + j + 1:05d}", **retyped})
    order = rng.permutation(len(rows))
    frame = pd.DataFrame([rows[i] for i in order], columns=["customer_id", "name", "country", "sex", "dob", "salary"])
    return frame.astype("str").reset_index(drop=True)
