"""Demo people and organisations. Every sign-in shares one password, printed at the end."""

from accounts.models import MemberRole, Membership, Organization, StaffRole, Team, User

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - printed for the demo on purpose

STAFF = [
    ("ada.admin@vendor.example", "Ada Lindqvist", StaffRole.ADMINISTRATOR),
    ("marta.manager@vendor.example", "Márta Kovács", StaffRole.MANAGER),
    ("owen.manager@vendor.example", "Owen Bright", StaffRole.MANAGER),
    ("alex.agent@vendor.example", "Alex Novak", StaffRole.AGENT),
    ("priya.agent@vendor.example", "Priya Raman", StaffRole.AGENT),
    ("tom.agent@vendor.example", "Tom Fischer", StaffRole.AGENT),
    ("sofia.specialist@vendor.example", "Sofia Varga", StaffRole.SPECIALIST),
]

# (code, name, timezone, CEM email, [(email, name, role)])
ORGANIZATIONS = [
    (
        "ACME",
        "Acme Manufacturing",
        "Europe/Budapest",
        "marta.manager@vendor.example",
        [
            ("anna.admin@acme.example", "Anna Szabó", MemberRole.ADMIN),
            ("bela.user@acme.example", "Béla Tóth", MemberRole.USER),
            ("clara.user@acme.example", "Clara Nagy", MemberRole.USER),
        ],
    ),
    (
        "GLBX",
        "Globex Logistics",
        "Europe/London",
        "marta.manager@vendor.example",
        [
            ("george.admin@globex.example", "George Hale", MemberRole.ADMIN),
            ("hannah.user@globex.example", "Hannah Reid", MemberRole.USER),
        ],
    ),
    (
        "INIT",
        "Initech Finance",
        "America/New_York",
        "owen.manager@vendor.example",
        [
            ("ivan.admin@initech.example", "Ivan Petrov", MemberRole.ADMIN),
            ("julia.user@initech.example", "Julia Moss", MemberRole.USER),
            ("ken.user@initech.example", "Ken Adams", MemberRole.USER),
        ],
    ),
    (
        "UMBR",
        "Umbrella Health",
        "Europe/Berlin",
        "owen.manager@vendor.example",
        [
            ("uma.admin@umbrella.example", "Uma Becker", MemberRole.ADMIN),
            ("viktor.user@umbrella.example", "Viktor Klein", MemberRole.USER),
        ],
    ),
    # Its contract lapsed: tickets are accepted but flagged and get no SLA clock.
    (
        "WAYN",
        "Wayne Retail",
        "Europe/Dublin",
        "owen.manager@vendor.example",
        [("wendy.admin@wayne.example", "Wendy Walsh", MemberRole.ADMIN)],
    ),
]


# Acme's people read the help desk in Hungarian (the organisation's default language),
# except its administrator, who chose English on her profile: the README's screenshots
# are taken as her (tests/browser/test_screenshots.py).
DEFAULT_LANGUAGES = {"ACME": "hu"}
PERSONAL_LANGUAGES = {"anna.admin@acme.example": "en"}
# The customers' phone numbers the agents see beside their tickets (numbers set aside
# for fiction where the country has them); the others gave none.
PHONES = {
    "anna.admin@acme.example": "+3615550142",
    "bela.user@acme.example": "+36305550187",
    "george.admin@globex.example": "+12025550163",
    "ivan.admin@initech.example": "+442079460958",
    "julia.user@initech.example": "+442079460321",
    "uma.admin@umbrella.example": "+49305550123",
    "wendy.admin@wayne.example": "+12125550199",
}


# Account teams: (name, member emails, organisation codes they look after).
TEAMS = [
    (
        "EMEA support",
        [
            "alex.agent@vendor.example",
            "priya.agent@vendor.example",
            "sofia.specialist@vendor.example",
        ],
        ["ACME", "GLBX", "UMBR"],
    ),
    (
        "Americas and retail",
        ["tom.agent@vendor.example", "sofia.specialist@vendor.example"],
        ["INIT", "WAYN"],
    ),
]


def _user(email: str, full_name: str, **fields) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email,
            DEMO_PASSWORD,
            full_name=full_name,
            language=PERSONAL_LANGUAGES.get(email, ""),
            **fields,
        )
    return user


def seed(stdout) -> None:
    for email, name, role in STAFF:
        _user(
            email,
            name,
            staff_role=role,
            is_staff=role == StaffRole.ADMINISTRATOR,
            is_superuser=role == StaffRole.ADMINISTRATOR,
        )
    for code, name, tz, cem_email, people in ORGANIZATIONS:
        organization, _ = Organization.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "timezone": tz,
                "cem": User.objects.get(email=cem_email),
                "default_language": DEFAULT_LANGUAGES.get(code, ""),
            },
        )
        for email, full_name, member_role in people:
            user = _user(email, full_name, phone=PHONES.get(email, ""))
            Membership.objects.get_or_create(
                user=user, defaults={"organization": organization, "role": member_role}
            )
    for team_name, members, codes in TEAMS:
        team, _ = Team.objects.get_or_create(name=team_name)
        team.members.add(*User.objects.filter(email__in=members))
        Organization.objects.filter(code__in=codes, support_team=None).update(support_team=team)


def print_sign_ins(stdout) -> None:
    stdout.write("")
    stdout.write(f"Demo sign-ins (password for all: {DEMO_PASSWORD}):")
    for email, name, role in STAFF:
        stdout.write(f"  {role.label:<22} {name:<18} {email}")
    for code, _name, _tz, _cem, people in ORGANIZATIONS:
        for email, full_name, member_role in people:
            language = PERSONAL_LANGUAGES.get(email) or DEFAULT_LANGUAGES.get(code, "")
            in_hungarian = "  (sees Hungarian)" if language == "hu" else ""
            stdout.write(
                f"  {code + ' ' + member_role.label:<22} {full_name:<18} {email}{in_hungarian}"
            )
    stdout.write(
        "  Acme's people see the help desk in Hungarian (their organisation's default "
        "language), except Anna, who chose English; anyone may choose on their profile."
    )
