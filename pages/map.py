"""The city map: wards shaded by a figure, pins for located reports and for the departments'
work, and a click on a ward or pin listing the tickets behind it.

Drawn with pydeck, which ships with Streamlit and draws in the browser from the ward shapes
alone: no tile server, so the map works with no internet. A street basemap (Carto's tiles)
is an option for machines that have internet. Officers see their own department.
"""

from datetime import datetime, time, timedelta

import pandas as pd
import pydeck as pdk
import streamlit as st

from hub.city_map import OFFLINE_MAP_STYLE, STREET_MAP_STYLE, shown_value
from hub.clock import utc_now
from hub.errors import HubError
from hub.metrics import IT_QUEUE, MAP_FIGURES, MetricsFilters
from hub.permissions import Action, own_department_only
from hub.platforms.base import PLATFORM_CHOICES
from hub.tickets.labels import status_label
from hub.wards import ATTRIBUTION, WARDS_WITHOUT_SHAPE
from ui import session
from ui.i18n import _, digits, format_duration, format_local, format_number

actor = session.require_actor()
hub = session.get_hub()
zone = hub.settings.display_zone
departments = {d.code: d for d in hub.departments.all_departments()}
own_department = own_department_only(actor, Action.VIEW_TICKETS)
today = utc_now().astimezone(zone).date()

st.title(_("City map"))

# The figures of `MAP_FIGURES` in words (the choice itself stays the figure's key).
FIGURE_NAMES = {
    "open": _("Open tickets"),
    "past_target": _("Open tickets past target (%)"),
    "per_week": _("Tickets per week"),
    "subscribers": _("Subscribers to notices"),
}


def figure_name(key: str) -> str:
    return FIGURE_NAMES.get(key) or MAP_FIGURES.get(key, key)


def status_name(status: str) -> str:
    return _(status_label(status))


def queue_name(code: str | None) -> str:
    """A department code as it is, the IT team's queue in words."""
    return _("IT queue") if not code or code == IT_QUEUE else code


def ward_tip(number: int, figure: str, value: float | None) -> str:
    """A ward's tooltip: ``Ward 65: Open tickets 12`` (as `CityMapService.view` words it)."""
    shown = _(shown_value(figure, value)) if value is None else digits(shown_value(figure, value))
    return _("Ward {number}: {figure} {value}").format(
        number=digits(str(number)), figure=figure_name(figure), value=shown
    )


with st.container(border=True):
    first, second, third, fourth = st.columns([2, 1, 2, 2])
    period = first.date_input(
        _("Period (tickets opened, IST)"),
        value=(today - timedelta(days=27), today),
        max_value=today,
        format="DD/MM/YYYY",
        key="map_period",
    )
    platform = second.selectbox(
        _("Platform"),
        ["Any", *PLATFORM_CHOICES],
        format_func=lambda p: _("Any") if p == "Any" else p,
        key="map_pf",
    )
    figure = third.selectbox(
        _("Shade wards by"), list(MAP_FIGURES), format_func=figure_name, key="map_figure"
    )
    if own_department:
        department = own_department
        fourth.text_input(_("Department"), departments[department].label, disabled=True)
    else:
        choice = fourth.selectbox(
            _("Department"),
            ["All", *departments, IT_QUEUE],
            format_func=lambda c: (
                _("All departments")
                if c == "All"
                else (departments[c].label if c in departments else queue_name(c))
            ),
            key="map_department",
        )
        department = None if choice == "All" else choice
    show_reports = st.toggle(_("Located reports"), value=True, key="map_reports")
    show_works = st.toggle(_("Departments' work"), value=True, key="map_works")
    basemap = st.toggle(
        _("Street basemap (needs internet)"),
        value=False,
        key="map_basemap",
        help=_("The ward shapes are the map; this adds Carto's street tiles underneath."),
    )

start_day, end_day = (period[0], period[-1]) if period else (today, today)
filters = MetricsFilters(
    start=datetime.combine(start_day, time(), zone),
    end=datetime.combine(end_day + timedelta(days=1), time(), zone),
    platform=None if platform == "Any" else platform,
    department=department,
)

try:
    view = hub.city_map.view(actor, filters, figure, reports=show_reports, works=show_works)
except HubError as exc:
    session.show_error(exc)
    st.stop()

layers = [
    pdk.Layer(
        "GeoJsonLayer",
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": area.geometry,
                    "properties": {
                        "ward": area.number,
                        "fill": area.colour,
                        "tip": ward_tip(area.number, view.figure, area.value),
                    },
                }
                for area in view.wards
            ],
        },
        id="wards",
        pickable=True,
        stroked=True,
        filled=True,
        get_fill_color="properties.fill",
        get_line_color=[90, 90, 90, 200],
        line_width_min_pixels=1,
    )
]
if view.reports:
    layers.append(
        pdk.Layer(
            "ScatterplotLayer",
            [
                {
                    "reference": p.reference,
                    "position": [p.longitude, p.latitude],
                    "colour": [200, 30, 30, 230] if p.urgent else [30, 30, 30, 200],
                    "tip": f"{p.reference} · {status_name(p.status)}"
                    f" · {queue_name(p.department_code)}",
                }
                for p in view.reports
            ],
            id="reports",
            pickable=True,
            get_position="position",
            get_fill_color="colour",
            radius_min_pixels=3,
            radius_max_pixels=8,
            get_radius=40,
        )
    )
if view.works:
    layers.append(
        pdk.Layer(
            "ScatterplotLayer",
            [
                {
                    "key": f"{w.update_id}:{w.ward}",
                    "position": [w.longitude, w.latitude],
                    "tip": _("Work: {title} · {department} · ward {ward} · {when}").format(
                        title=w.title,
                        department=w.department_code,
                        ward=digits(str(w.ward)),
                        when=format_local(w.at, zone, with_zone=False),
                    ),
                }
                for w in view.works
            ],
            id="works",
            pickable=True,
            get_position="position",
            get_fill_color=[11, 92, 171, 230],
            get_line_color=[255, 255, 255, 255],
            stroked=True,
            line_width_min_pixels=2,
            radius_min_pixels=7,
            get_radius=120,
        )
    )
west, south, east, north = view.bounds
deck = pdk.Deck(
    layers=layers,
    initial_view_state=pdk.ViewState(
        latitude=(south + north) / 2, longitude=(west + east) / 2, zoom=10.9
    ),
    map_style=STREET_MAP_STYLE if basemap else OFFLINE_MAP_STYLE,
    tooltip={"text": "{tip}"},
)
event = st.pydeck_chart(
    deck, on_select="rerun", selection_mode="single-object", key="map_chart", height=620
)
reports_caption = (
    _("{shown} of {total} located report(s) shown (the newest)").format(
        shown=format_number(len(view.reports)), total=format_number(view.reports_total)
    )
    if show_reports
    else _("located reports hidden")
)
works_caption = (
    _("{count} work site(s)").format(count=format_number(len(view.works)))
    if show_works
    else _("work hidden")
)
st.caption(
    _(
        "{wards} ward(s) with tickets · {reports} · {works}. Wards {undrawn} have no published"
        " boundary and are not drawn. {attribution}."
    ).format(
        wards=format_number(len(view.shades)),
        reports=reports_caption,
        works=works_caption,
        undrawn=digits(", ".join(map(str, WARDS_WITHOUT_SHAPE))),
        attribution=ATTRIBUTION,
    )
)

objects = (event.selection.get("objects", {}) if event else {}) or {}
picked_ward = (objects.get("wards") or [{}])[0].get("properties", {}).get("ward")
picked_report = (objects.get("reports") or [{}])[0].get("reference")
picked_work = (objects.get("works") or [{}])[0].get("key")
# The same list without a mouse (and for a ward too small to click at this zoom).
typed_ward = st.selectbox(
    _("Or pick a ward"),
    [None, *sorted(view.shades)],
    format_func=lambda w: "—" if w is None else _("Ward {number}").format(number=digits(str(w))),
    key="map_pick_ward",
)
picked_ward = picked_ward or typed_ward

if picked_report:
    ticket = next(p for p in view.reports if p.reference == picked_report)
    st.markdown(
        _("**{reference}** · {status} · ward {ward}").format(
            reference=ticket.reference,
            status=status_name(ticket.status),
            ward=digits(str(ticket.ward)),
        )
    )
    if st.button(_("Open ticket"), key="map_open_pin"):
        st.session_state["ticket_id"] = ticket.id
        session.switch_to("ticket")
elif picked_work:
    site = next(w for w in view.works if f"{w.update_id}:{w.ward}" == picked_work)
    st.markdown(_("**Work: {title}**").format(title=session.as_literal_markdown(site.title)))
    st.caption(
        _("{department} · {place} · ward {ward} · {when}").format(
            department=site.department_code,
            place=session.as_literal_markdown(site.place) or _("no place given"),
            ward=digits(str(site.ward)),
            when=format_local(site.at, zone),
        )
    )
elif picked_ward:
    shade = view.shades.get(picked_ward)
    st.subheader(_("Ward {number}").format(number=digits(str(picked_ward))))
    if shade is None:
        st.info(_("No tickets in this ward for these filters."))
    else:
        st.caption(
            _("{tickets} ticket(s) · {open} open · {past_target} open past target").format(
                tickets=format_number(shade.tickets),
                open=format_number(shade.open),
                past_target=format_number(shade.open_past_target),
            )
        )
        try:
            behind = hub.city_map.tickets_in_ward(actor, filters, picked_ward)
        except HubError as exc:
            session.show_error(exc)
            st.stop()
        table = st.dataframe(
            pd.DataFrame(
                [
                    {
                        _("Reference"): t.reference,
                        _("Department"): queue_name(t.department_code),
                        _("Status"): status_name(t.status),
                        _("Opened"): format_local(t.opened_at, zone, with_zone=False),
                        _("Age"): format_duration(t.age_minutes),
                        _("Platform"): t.platform,
                        _("Text"): t.text,
                    }
                    for t in behind.rows
                ]
            ),
            hide_index=True,
            width="stretch",
            on_select="rerun",
            selection_mode="single-row",
            key="map_ward_table",
        )
        rows = table.selection.get("rows", []) if table else []
        references = [t.reference for t in behind.rows]
        left, right, _unused = st.columns([2, 1, 2])
        opened = left.selectbox(
            _("Open a ticket"), references, index=rows[0] if rows else 0, key="map_open_pick"
        )
        if right.button(_("Open ticket"), key="map_open"):
            st.session_state["ticket_id"] = behind.rows[references.index(opened)].id
            session.switch_to("ticket")
else:
    st.caption(_("Click a ward for its tickets, or a pin for its report or work."))
