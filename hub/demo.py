"""The embedded default's demo data: departments from departments.csv and one account a role."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from hub.errors import ConfigurationError
from hub.permissions import Actor, Role

if TYPE_CHECKING:  # the hub is built by bootstrap; importing it here would load it all
    from hub.bootstrap import Hub

# Written in README.md: change them on any hub that is reachable by others.
DEMO_PASSWORD = "kolkata-demo-2026"


@dataclass(frozen=True)
class DemoAccount:
    """A demo login."""

    username: str
    display_name: str
    role: Role
    department_code: str | None = None


DEMO_ACCOUNTS = (
    DemoAccount("admin", "Hub Administrator", Role.ADMIN),
    DemoAccount("it.team", "KMC IT Cell", Role.IT),
    DemoAccount("commissioner", "Municipal Commissioner", Role.COMMISSIONER),
    DemoAccount("officer.water", "Controlling Officer, Water Supply", Role.OFFICER, "WATER"),
    DemoAccount("officer.roads", "Controlling Officer, Roads", Role.OFFICER, "ROADS"),
    DemoAccount("officer.swm", "Controlling Officer, Solid Waste", Role.OFFICER, "SWM"),
)

SETUP_ACTOR = Actor(username="setup", role=Role.ADMIN, display_name="hub init")


def import_departments_if_empty(hub: Hub, path: Path, actor: Actor = SETUP_ACTOR) -> str:
    """Import the departments file into a hub that has none yet; say what happened."""
    if hub.departments.all_departments(include_inactive=True):
        return "departments already present: file not re-imported (use `hub departments import`)"
    if not path.is_file():
        raise ConfigurationError(
            f"no departments file at {path}: set HUB_DEPARTMENTS_FILE "
            "or run from the project folder"
        )
    result = hub.departments.import_csv(actor, path.read_bytes(), source=str(path))
    return f"departments imported from {path}: {result.summary}"


def ensure_demo_accounts(hub: Hub, actor: Actor = SETUP_ACTOR) -> list[str]:
    """Create the demo accounts that are missing; return the usernames created."""
    existing = {user.username for user in hub.accounts.list_users(actor)}
    created = []
    for account in DEMO_ACCOUNTS:
        if account.username in existing:
            continue
        hub.accounts.create_user(
            actor,
            username=account.username,
            display_name=account.display_name,
            role=account.role,
            department_code=account.department_code,
            password=DEMO_PASSWORD,
            email=f"{account.username}@demo.kmcgov.in",
        )
        created.append(account.username)
    return created


DEMO_POSTS = (
    "কলকাতা পৌরসংস্থার সামাজিক মাধ্যমে আপনাকে স্বাগত। অভিযোগ ও পরামর্শ এখানে জানান, "
    "প্রতিটি অভিযোগের একটি রেফারেন্স নম্বর দেওয়া হবে।\n"
    "Welcome to KMC on social media: tell us your complaints and suggestions here; every "
    "complaint gets a reference number.",
    "Monsoon preparedness: desilting of drains in wards 60-75 runs this week. Report "
    "waterlogging with your ward number. বর্ষার প্রস্তুতি: ৬০-৭৫ নম্বর ওয়ার্ডে নিকাশি "
    "পরিষ্কারের কাজ চলছে।",
)


def seed_sandbox_posts(hub: Hub) -> int:
    """Give an empty sandbox Page and X account the city's first posts, through the adapters.

    The posts go out over HTTP through the same adapters the publisher uses, so a new hub
    shows citizens commenting on something from its first minute. Returns posts created.
    """
    from hub.platforms.base import Platform, PublishRequest

    if hub.sandbox is None or hub.sandbox.graph.list_posts():
        return 0
    created = 0
    for platform in (Platform.FACEBOOK, Platform.X):
        adapter = hub.platforms.adapter(platform)
        if adapter is None:
            continue
        for text in DEMO_POSTS:
            body = text if platform is Platform.FACEBOOK else text.split("\n")[-1][:270]
            adapter.publish(PublishRequest(text=body))
            created += 1
    return created
