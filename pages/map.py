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

from hub.city_map import OFFLINE_MAP_STYLE, STREET_MAP_STYLE
from hub.clock import format_duration, format_local, utc_now
from hub.errors import HubError
from hub.metrics import IT_QUEUE, MAP_FIGURES, MetricsFilters
from hub.permissions import Action, own_department_only
from hub.platforms.base import PLATFORM_CHOICES
from hub.wards import ATTRIBUTION, WARDS_WITHOUT_SHAPE
from ui import session

actor = session.require_actor()
hub = session.get_hub()
zone = hub.settings.display_zone
departments = {d.code: d for d in hub.departments.all_departments()}
own_department = own_department_only(actor, Action.VIEW_TICKETS)
today = utc_now().astimezone(zone).date()

st.title("City map")

with st.container(border=True):
    first, second, third, fourth = st.columns([2, 1, 2, 2])
    period = first.date_input(
        "Period (tickets opened, IST)",
        value=(today - timedelta(days=27), today),
        max_value=today,
        format="DD/MM/YYYY",
        key="map_period",
    )
    platform = second.selectbox("Platform", ["Any", *PLATFORM_CHOICES], key="map_pf")
    figure = third.selectbox(
        "Shade wards by", list(MAP_FIGURES), format_func=MAP_FIGURES.get, key="map_figure"
    )
    if own_department:
        department = own_department
        fourth.text_input("Department", departments[department].label, disabled=True)
    else:
        choice = fourth.selectbox(
            "Department",
            ["All", *departments, IT_QUEUE],
            format_func=lambda c: (
                "All departments"
                if c == "All"
                else (departments[c].label if c in departments else c)
            ),
            key="map_department",
        )
        department = None if choice == "All" else choice
    show_reports = st.toggle("Located reports", value=True, key="map_reports")
    show_works = st.toggle("Departments' work", value=True, key="map_works")
    basemap = st.toggle(
        "Street basemap (needs internet)",
        value=False,
        key="map_basemap",
        help="The ward shapes are the map; this adds Carto's street tiles underneath.",
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
                    "properties": {"ward": area.number, "fill": area.colour, "tip": area.tip},
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
                    "tip": f"{p.reference} · {p.status.replace('_', ' ')}"
                    f" · {p.department_code or IT_QUEUE}",
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
                    "tip": f"Work: {w.title} · {w.department_code} · ward {w.ward}"
                    f" · {format_local(w.at, zone, with_zone=False)}",
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
    f"{len(view.reports):,} of {view.reports_total:,} located report(s) shown (the newest)"
    if show_reports
    else "located reports hidden"
)
works_caption = f"{len(view.works)} work site(s)" if show_works else "work hidden"
st.caption(
    f"{len(view.shades)} ward(s) with tickets · {reports_caption} · {works_caption}. Wards"
    f" {', '.join(map(str, WARDS_WITHOUT_SHAPE))} have no published boundary and are not drawn."
    f" {ATTRIBUTION}."
)

objects = (event.selection.get("objects", {}) if event else {}) or {}
picked_ward = (objects.get("wards") or [{}])[0].get("properties", {}).get("ward")
picked_report = (objects.get("reports") or [{}])[0].get("reference")
picked_work = (objects.get("works") or [{}])[0].get("key")
# The same list without a mouse (and for a ward too small to click at this zoom).
typed_ward = st.selectbox(
    "Or pick a ward",
    [None, *sorted(view.shades)],
    format_func=lambda w: "—" if w is None else f"Ward {w}",
    key="map_pick_ward",
)
picked_ward = picked_ward or typed_ward

if picked_report:
    ticket = next(p for p in view.reports if p.reference == picked_report)
    st.markdown(f"**{ticket.reference}** · {ticket.status.replace('_', ' ')} · ward {ticket.ward}")
    if st.button("Open ticket", key="map_open_pin"):
        st.session_state["ticket_id"] = ticket.id
        session.switch_to("ticket")
elif picked_work:
    site = next(w for w in view.works if f"{w.update_id}:{w.ward}" == picked_work)
    st.markdown(f"**Work: {session.as_literal_markdown(site.title)}**")
    st.caption(
        f"{site.department_code} · {session.as_literal_markdown(site.place) or 'no place given'}"
        f" · ward {site.ward} · {format_local(site.at, zone)}"
    )
elif picked_ward:
    shade = view.shades.get(picked_ward)
    st.subheader(f"Ward {picked_ward}")
    if shade is None:
        st.info("No tickets in this ward for these filters.")
    else:
        st.caption(
            f"{shade.tickets:,} ticket(s) · {shade.open:,} open · {shade.open_past_target:,}"
            " open past target"
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
                        "Reference": t.reference,
                        "Department": t.department_code or IT_QUEUE,
                        "Status": t.status.replace("_", " "),
                        "Opened": format_local(t.opened_at, zone, with_zone=False),
                        "Age": format_duration(t.age_minutes),
                        "Platform": t.platform,
                        "Text": t.text,
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
        left, right, _ = st.columns([2, 1, 2])
        opened = left.selectbox(
            "Open a ticket", references, index=rows[0] if rows else 0, key="map_open_pick"
        )
        if right.button("Open ticket", key="map_open"):
            st.session_state["ticket_id"] = behind.rows[references.index(opened)].id
            session.switch_to("ticket")
else:
    st.caption("Click a ward for its tickets, or a pin for its report or work.")
