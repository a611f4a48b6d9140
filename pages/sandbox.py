"""Sandbox (admins, trainers): the city's Page and X account as citizens see them."""

import streamlit as st

from hub.errors import HubError
from hub.sandbox.trainer import WHATSAPP_ATTACHMENTS
from ui import session
from ui.i18n import _, digits, format_local

actor = session.require_actor()
hub = session.get_hub()
zone = hub.settings.display_zone
st.title(_("Sandbox"))
st.caption(
    _(
        "A stand-in for Facebook, X and WhatsApp on this hub: nothing here reaches the real "
        "platforms. Write a citizen's comment, mention or WhatsApp message by hand to show how a "
        "complaint travels."
    )
)

try:
    posts = hub.trainer.page_posts(actor)
    timeline = hub.trainer.x_timeline(actor)
    mentions = hub.trainer.x_mentions(actor)
except HubError as exc:
    session.show_error(exc)
    st.stop()

facebook_tab, x_tab, whatsapp_tab = st.tabs([_("Facebook Page"), _("X account"), _("WhatsApp")])

with facebook_tab:
    if not posts:
        st.info(_("The Page has no posts yet."))
    for post in posts:
        heading = _("{when} · {count} comment(s)").format(
            when=format_local(post.created_at, zone), count=digits(str(post.comment_count))
        )
        if not post.published:
            heading += " · " + _("scheduled / unpublished")
        with st.expander(
            heading,
            expanded=post is posts[0],
        ):
            # Citizen and city text alike are shown as plain text, never as markdown.
            st.text(post.text)
            comments = hub.trainer.comments(actor, post.id)
            for comment in comments:
                indent = "    ↳ " if comment.parent_id else ""
                who = (
                    _("{author} (Page)").format(author=comment.author)
                    if comment.by_page
                    else comment.author
                )
                hidden = " [" + _("hidden") + "]" if comment.is_hidden else ""
                st.text(f"{indent}{who}{hidden} · {format_local(comment.created_at, zone)}")
                st.text(f"{indent}{comment.text}")
            with st.form(f"sandbox_comment_{post.id}", clear_on_submit=True):
                author = st.text_input(_("Citizen's name"), key=f"sandbox_author_{post.id}")
                text = st.text_area(_("Comment"), key=f"sandbox_text_{post.id}")
                reply_labels = {"": _("— a new comment —")} | {
                    c.id: c.text[:60] for c in comments if not c.parent_id
                }
                parent = st.selectbox(
                    _("Reply under comment (optional)"),
                    list(reply_labels),
                    key=f"sandbox_parent_{post.id}",
                    format_func=reply_labels.__getitem__,
                )
                if st.form_submit_button(_("Post as citizen")):
                    try:
                        hub.trainer.add_comment(actor, post.id, text, author, parent or None)
                    except HubError as exc:
                        session.show_error(exc)
                    else:
                        st.rerun()

with x_tab:
    left, right = st.columns(2)
    with left:
        st.subheader(_("The city's posts"))
        for tweet in timeline:
            st.text(f"{format_local(tweet.created_at, zone)}\n{tweet.text}")
            st.divider()
    with right:
        st.subheader(_("Mentions"))
        with st.form("sandbox_mention", clear_on_submit=True):
            username = st.text_input(_("Citizen's X username"), key="sandbox_x_username")
            text = st.text_area(_("Post (the @handle is added if missing)"), key="sandbox_x_text")
            reply_to = st.selectbox(
                _("In reply to the city's post (optional)"),
                [""] + [t.id for t in timeline],
                key="sandbox_x_reply",
                format_func=lambda tid: (
                    _("— a new post —")
                    if not tid
                    else next(t.text[:60] for t in timeline if t.id == tid)
                ),
            )
            if st.form_submit_button(_("Post as citizen")):
                try:
                    hub.trainer.add_mention(actor, text, username, reply_to or None)
                except HubError as exc:
                    session.show_error(exc)
                else:
                    st.rerun()
        for mention in mentions:
            st.text(f"{mention.author} · {format_local(mention.created_at, zone)}\n{mention.text}")
            st.divider()

with whatsapp_tab:
    st.caption(
        _(
            "A citizen's phone writing to the city's WhatsApp number. The hub hears it by"
            " webhook, sends the reference number back, and its answers appear here."
        )
    )
    left, right = st.columns(2)
    with left, st.form("sandbox_whatsapp", clear_on_submit=True):
        number = st.text_input(_("Citizen's number"), "919830012345", key="sandbox_wa_number")
        name = st.text_input(_("Citizen's name"), key="sandbox_wa_name")
        words = st.text_area(_("Message"), key="sandbox_wa_text")
        attachments = {None: _("— nothing —")} | {
            key: _(label) for key, (label, _file, _mime) in WHATSAPP_ATTACHMENTS.items()
        }
        attachment = st.selectbox(
            _("Attach"),
            list(attachments),
            format_func=attachments.__getitem__,
            key="sandbox_wa_att",
        )
        pin = st.selectbox(
            _("Pin a place in ward"),
            [None, *range(1, 142)],
            format_func=lambda ward: (
                _("— no pin —") if ward is None else _("ward {ward}").format(ward=digits(str(ward)))
            ),
            key="sandbox_wa_pin",
        )
        if st.form_submit_button(_("Send as citizen")):
            try:
                hub.trainer.send_whatsapp(actor, number, name, words, attachment, pin)
            except HubError as exc:
                session.show_error(exc)
            else:
                st.rerun()
    with right:
        try:
            conversations = hub.trainer.whatsapp_conversations(actor)
        except HubError as exc:
            session.show_error(exc)
            conversations = []
        if not conversations:
            st.info(_("No WhatsApp conversation yet."))
        for conversation in conversations:
            with st.expander(f"+{conversation.wa_id}", expanded=conversation is conversations[0]):
                for message in conversation.messages:
                    who = _("Citizen") if message.direction == "in" else _("City")
                    shown = message.text or f"[{message.kind}]"
                    st.text(f"{who} · {format_local(message.created_at, zone)}\n{shown}")
