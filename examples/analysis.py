#!/usr/bin/env python3
"""A first look at fazhi's tables, in polars.

Answers two questions about a dataset written by `fazhi run --output OUT`:

1. Which indicators do reports state most often?  (table `indicators`)
2. How do dispute-resolution counts (`disputes_resolved`) differ by province and year?
   (table `indicators_wide`: one row per report, one column per indicator)

and draws both in one PNG chart:

    python3 examples/analysis.py --out OUT --png docs/analysis.png

Needs `pip install polars matplotlib`. Each table may be one file `OUT/<table>.parquet` or a
folder `OUT/<table>/` of part files (hive folders such as `year=2024/` included).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import polars as pl

# Province names in English, for a chart drawn without a Chinese font.
PROVINCES_EN = {
    "北京市": "Beijing", "天津市": "Tianjin", "河北省": "Hebei", "山西省": "Shanxi",
    "内蒙古自治区": "Inner Mongolia", "辽宁省": "Liaoning", "吉林省": "Jilin",
    "黑龙江省": "Heilongjiang", "上海市": "Shanghai", "江苏省": "Jiangsu", "浙江省": "Zhejiang",
    "安徽省": "Anhui", "福建省": "Fujian", "江西省": "Jiangxi", "山东省": "Shandong",
    "河南省": "Henan", "湖北省": "Hubei", "湖南省": "Hunan", "广东省": "Guangdong",
    "广西壮族自治区": "Guangxi", "海南省": "Hainan", "重庆市": "Chongqing", "四川省": "Sichuan",
    "贵州省": "Guizhou", "云南省": "Yunnan", "西藏自治区": "Tibet", "陕西省": "Shaanxi",
    "甘肃省": "Gansu", "青海省": "Qinghai", "宁夏回族自治区": "Ningxia",
    "新疆维吾尔自治区": "Xinjiang", "台湾省": "Taiwan", "香港特别行政区": "Hong Kong",
    "澳门特别行政区": "Macao",
}
UNKNOWN = "(not stated)"


def scan(out: Path, table: str) -> pl.LazyFrame:
    """One table of the dataset, as one file or as a folder of part files."""
    single = out / f"{table}.parquet"
    if single.is_file():
        return pl.scan_parquet(single)
    folder = out / table
    if folder.is_dir():
        return pl.scan_parquet(folder / "**" / "*.parquet", hive_partitioning=True)
    sys.exit(f"no table {table!r} under {out}: is it the output of `fazhi run`?")


def indicator_coverage(out: Path) -> pl.DataFrame:
    """Per indicator: how many reports state it, and what share of the usable reports that is."""
    ok = scan(out, "reports").filter(pl.col("status") == "ok").select(pl.len()).collect().item()
    return (
        scan(out, "indicators")
        .group_by("indicator", "category")
        .agg(
            pl.col("report_id").n_unique().alias("reports"),
            pl.col("value").median().alias("median"),
            pl.col("unit").mode().first().alias("unit"),
        )
        .with_columns((pl.col("reports") / max(ok, 1)).alias("share"))
        .sort(["reports", "indicator"], descending=[True, False])
        .collect()
    )


def disputes(out: Path) -> pl.DataFrame:
    """One row per report stating `disputes_resolved`: province, year and the count."""
    wide = scan(out, "indicators_wide")
    if "disputes_resolved" not in wide.collect_schema().names():
        return pl.DataFrame(
            schema={"province": pl.String, "year": pl.Int16, "disputes_resolved": pl.Float64}
        )
    return (
        wide.filter(pl.col("disputes_resolved").is_not_null())
        .select(
            pl.col("province").fill_null(UNKNOWN),
            pl.col("year").cast(pl.Int16),
            "county",
            "township",
            "disputes_resolved",
        )
        .sort("province", "year")
        .collect()
    )


def by_province_year(d: pl.DataFrame) -> pl.DataFrame:
    return (
        d.group_by("province", "year")
        .agg(
            pl.len().alias("reports"),
            pl.col("disputes_resolved").median().alias("median"),
            pl.col("disputes_resolved").min().alias("min"),
            pl.col("disputes_resolved").max().alias("max"),
        )
        .sort("province", "year")
    )


def draw(coverage: pl.DataFrame, d: pl.DataFrame, png: Path, top: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(
        1, 2, figsize=(13, 6), gridspec_kw={"width_ratios": [1.15, 1]}
    )

    head = coverage.head(top).reverse()
    left.barh(head["indicator"].to_list(), (head["share"] * 100).to_list(), color="#3b6ea8")
    for y, (n, share) in enumerate(zip(head["reports"].to_list(), head["share"].to_list())):
        left.text(share * 100 + 1, y, str(n), va="center", fontsize=8, color="#444")
    left.set_xlabel("% of reports stating it (number of reports at the bar's end)")
    left.set_title(f"Indicators stated most often (top {min(top, coverage.height)})")
    left.set_xlim(0, min(110, float(head["share"].max() or 0) * 125 + 5))
    left.tick_params(axis="y", labelsize=8)

    if d.height:
        provinces = sorted(d["province"].unique().to_list())
        cmap = plt.get_cmap("tab10")
        for k, prov in enumerate(provinces):
            rows = d.filter(pl.col("province") == prov)
            right.scatter(
                rows["year"].to_list(),
                rows["disputes_resolved"].to_list(),
                s=70,
                color=cmap(k % 10),
                edgecolor="black",
                linewidth=0.5,
                label=PROVINCES_EN.get(prov, prov),
                zorder=3,
            )
        right.legend(title="province", fontsize=8, title_fontsize=8, loc="best")
        years = sorted(set(d["year"].drop_nulls().to_list()))
        right.set_xticks(years)
    else:
        right.text(0.5, 0.5, "no report states disputes_resolved", ha="center",
                   transform=right.transAxes)
    right.set_xlabel("year reported on")
    right.set_ylabel("disputes resolved (count stated in the report)")
    right.set_title("disputes_resolved by province and year")
    right.grid(alpha=0.3, zorder=0)

    fig.suptitle("fazhi: what rule-of-law government reports state", fontsize=12)
    fig.tight_layout()
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, required=True, help="output folder of `fazhi run`")
    p.add_argument("--png", type=Path, required=True, help="where to save the chart")
    p.add_argument("--top", type=int, default=15, help="indicators shown in the chart")
    args = p.parse_args(argv)

    pl.Config.set_tbl_rows(40)
    pl.Config.set_tbl_width_chars(120)

    coverage = indicator_coverage(args.out)
    print("1. Indicators stated most often")
    print(coverage.head(args.top))

    d = disputes(args.out)
    print("\n2. disputes_resolved by province and year")
    print(by_province_year(d))

    draw(coverage, d, args.png, args.top)
    print(f"\nchart written to {args.png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
