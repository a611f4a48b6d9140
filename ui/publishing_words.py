"""How the publishing pages name a platform and a preview's length, in the reader's language.

Shared by New update, Review queue, My updates and the Calendar, which had each kept a copy.
"""

from __future__ import annotations

from hub.platforms.base import Platform
from hub.publishing.compose import PlatformPreview
from hub.publishing.models import PLATFORM_LABELS
from ui.i18n import _, digits


def platform_label(platform: Platform) -> str:
    """The platform's name as people write it."""
    return _(PLATFORM_LABELS.get(platform, platform.value))


def length_label(shown: PlatformPreview) -> str:
    """The post's length against its platform's limit, as the reader writes figures."""
    template = (
        _("{length} / {limit} (X weighted)")
        if shown.platform is Platform.X
        else _("{length} / {limit} (characters)")
    )
    return template.format(length=digits(str(shown.length)), limit=digits(str(shown.limit)))
