"""The public tracking page, `/track/<reference>`: a citizen follows a report without logging in.

A small HTML page in Bengali and English, with no script, no cookies and no outside
resources, built only from `PublicTicket` (so nothing personal can reach it). Every value is
escaped. A reference that does not exist and one hidden as spam get the same answer, so the
page tells nobody which numbers were used.
"""

from __future__ import annotations

from html import escape
from zoneinfo import ZoneInfo

from hub.answering.desk_texts import status_words
from hub.clock import format_local
from hub.text import bengali_digits
from hub.tickets.public import PublicTicket

_STYLE = (
    "body{font-family:'Noto Sans Bengali','Noto Sans',sans-serif;max-width:40rem;margin:2rem auto;"
    "padding:0 1rem;color:#1b1b1b;line-height:1.5}h1{font-size:1.4rem;margin-bottom:.2rem}"
    ".status{font-size:1.2rem;font-weight:600;color:#0b5cab}dl{display:grid;"
    "grid-template-columns:max-content 1fr;gap:.3rem 1rem}dt{color:#555}.answer{border-left:"
    "3px solid #0b5cab;padding:.2rem .8rem;margin:.6rem 0}.when{color:#555;font-size:.9rem}"
    "footer{margin-top:2rem;color:#555;font-size:.85rem}"
)


def tracking_html(ticket: PublicTicket, zone: ZoneInfo) -> str:
    """The page for one ticket."""
    status = (
        f"{escape(status_words(ticket.status, 'bn'))} · {escape(status_words(ticket.status, 'en'))}"
    )
    department = (
        f"{escape(ticket.department_bn)} · {escape(ticket.department_en)}"
        if ticket.department_en and ticket.department_bn
        else "আইটি দল দেখছে · with the IT team, to be assigned"
    )
    ward = (
        f"{bengali_digits(str(ticket.ward))} · {ticket.ward}"
        if ticket.ward is not None
        else "জানা নেই · not known"
    )
    rows = [
        ("অবস্থা · Status", f'<span class="status">{status}</span>'),
        ("বিভাগ · Department", department),
        ("ওয়ার্ড · Ward", ward),
        ("জমা · Reported", escape(format_local(ticket.opened_at, zone))),
        ("শেষ পরিবর্তন · Last change", escape(format_local(ticket.updated_at, zone))),
    ]
    if ticket.is_open and ticket.expected_at is not None:
        rows.append(("লক্ষ্য · Aimed for", escape(format_local(ticket.expected_at, zone))))
    if ticket.merged_into:
        rows.append(("একত্রিত · Merged into", escape(ticket.merged_into)))
    details = "".join(f"<dt>{label}</dt><dd>{value}</dd>" for label, value in rows)
    if ticket.answers:
        answers = "".join(
            f'<div class="answer"><div>{escape(a.text)}</div>'
            f'<div class="when">{escape(format_local(a.at, zone))}</div></div>'
            for a in ticket.answers
        )
    else:
        answers = "<p>এখনও কোনো প্রকাশ্য উত্তর নেই · No public answer yet.</p>"
    body = (
        f"<h1>{escape(ticket.reference)}</h1>"
        f"<p>কলকাতা পৌরসংস্থা · Kolkata Municipal Corporation</p><dl>{details}</dl>"
        f"<h2>পৌরসংস্থার উত্তর · The city's answers</h2>{answers}"
    )
    return _page(ticket.reference, body)


def not_found_html(reference: str) -> str:
    """The page for a reference the hub does not show (unknown, mistyped or hidden)."""
    body = (
        f"<h1>{escape(reference[:40])}</h1>"
        "<p>এই নম্বরে কোনো অভিযোগ পাওয়া যায়নি। নম্বরটি মিলিয়ে দেখুন (যেমন KMC-2026-000123)।</p>"
        "<p>No report has this reference number. Please check it (for example "
        "KMC-2026-000123).</p>"
    )
    return _page("Not found", body)


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="bn"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} · KMC</title><style>{_STYLE}</style></head>"
        f"<body>{body}<footer>কলকাতা পৌরসংস্থা · Municipal Social Hub</footer></body></html>"
    )


__all__ = ["not_found_html", "tracking_html"]
