"""Regions: the list a controller validates a tenant's `region_id` against before creating it.

Why this exists: Neon refuses a project in an unknown or retired region with 400; listing the
regions lets a controller catch that before any create (`GET /regions`).
"""

from __future__ import annotations

from controller.emulator.engine import Session
from controller.emulator.routing import ApiRequest, Reply
from controller.emulator.rules import DEFAULT_REGION, REGIONS


def list_regions(session: Session, request: ApiRequest) -> Reply:
    request.query.identifier("org_id")
    regions = [
        {
            "region_id": region.region_id,
            "name": region.name,
            "default": region.region_id == DEFAULT_REGION,
            "geo_lat": region.geo_lat,
            "geo_long": region.geo_long,
        }
        for region in REGIONS
    ]
    return 200, {"regions": regions}
