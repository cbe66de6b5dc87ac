"""The Atom feed of a German cluster's alerts (HTTP and XML shape only; the alerts are computed
by :mod:`matcher.alerts` and stored by the follow loop).

``GET /clusters/{id}/feed.atom`` (``application/atom+xml``, RFC 4287): one entry per alert, newest
first, at most :data:`FEED_ENTRIES`. Ids are ``urn:uuid:`` names derived from the cluster and
alert ids, so they never change; links are paths, never built from the ``Host`` header.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence

from fastapi import APIRouter, Request, Response

from matcher import Profile
from matcher.outcomes.alerts import Alert
from matcher.store import utc_now

from .deps import StateDep
from .i18n import Words, pick_language

ATOM = "http://www.w3.org/2005/Atom"
MEDIA_TYPE = "application/atom+xml"
FEED_ENTRIES = 50
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://clusterbridge/feeds")

router = APIRouter(include_in_schema=False)


def _urn(*parts: str) -> str:
    return uuid.uuid5(NAMESPACE, "\x1f".join(parts)).urn


def atom_feed(cluster: Profile, alerts: Sequence[Alert], names: dict[str, str],
              t: Callable[..., str], num: Callable[[float], str], lang: str) -> bytes:
    """The feed document of ``cluster``'s ``alerts`` (newest first), in ``lang``."""
    ET.register_namespace("", ATOM)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        if text is not None:
            element.text = text
        return element

    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": lang})
    sub(feed, "id", _urn("cluster", cluster.id))
    sub(feed, "title", t("feed.title", a=cluster.name))
    sub(feed, "subtitle", t("feed.subtitle"))
    sub(feed, "updated", alerts[0].created_at if alerts else utc_now())
    sub(sub(feed, "author"), "name", "ClusterBridge")
    sub(feed, "link", rel="self", type=MEDIA_TYPE, href=f"/clusters/{cluster.id}/feed.atom")
    sub(feed, "link", rel="alternate", type="text/html", href=f"/clusters/{cluster.id}")
    for alert in alerts:
        name = names.get(alert.candidate, alert.candidate)
        entry = sub(feed, "entry")
        sub(entry, "id", _urn("alert", cluster.id, alert.id))
        if alert.kind == "new":
            title = t("feed.new", a=name, b=str(alert.place))
        else:
            title = t("feed.up", a=name, b=str(alert.previous_place), c=str(alert.place))
        sub(entry, "title", title)
        sub(entry, "updated", alert.created_at)
        sub(entry, "link", rel="alternate", type="text/html", href=f"/clusters/{alert.candidate}")
        sub(entry, "category", term=alert.kind)
        sub(entry, "summary", t("feed.summary", a=name, b=num(alert.score), c=cluster.name))
    body: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + body


@router.get("/clusters/{profile_id}/feed.atom")
def cluster_feed(request: Request, profile_id: str, state: StateDep) -> Response:
    catalogue = state.matcher.catalogue
    cluster = catalogue.get(profile_id)
    lang = pick_language(request)
    words = Words(lang, catalogue.reference.taxonomy)
    alerts = state.store.alerts(profile_id, limit=FEED_ENTRIES)
    names = {p.id: p.name for p in catalogue.profiles}
    body = atom_feed(cluster, alerts, names, words.t, words.num, lang)
    return Response(body, media_type=MEDIA_TYPE)
