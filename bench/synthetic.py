"""Synthetic knowledge for scale tests: the real knowledge base, N times over, with distinct texts.

    .venv/bin/python bench/synthetic.py 50 /tmp/kb50     # writes /tmp/kb50/knowledge

Copy k of an entry keeps the entry's questions and answer (so the question sets still find
their topic) and adds text from two other entries and a copy number, so that no two entries
are equal and caches keyed by text do not make the copies free. Synonyms, glossary, directories
and the other data files are copied unchanged. The result passes `kb check`.
"""

from __future__ import annotations

import random
import shutil
import sys
from pathlib import Path

import frontmatter
import yaml

ROOT = Path(__file__).resolve().parent.parent


def _sentences(text: str) -> list:
    parts = [p.strip() for p in text.replace("。", "。\n").split("\n") if p.strip() and not p.startswith(("|", "#"))]
    return parts or [text.strip()]


def generate(times: int, target: Path, source: Path = ROOT / "knowledge", seed: int = 7) -> Path:
    rng = random.Random(seed)
    out = Path(target) / "knowledge"
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(source, out, ignore=shutil.ignore_patterns("entries"))
    files = sorted((source / "entries").glob("*/*.md"))
    posts = [(f, frontmatter.load(f)) for f in files]
    bodies = {f: p.content for f, p in posts}
    for f, post in posts:
        (out / "entries" / f.parent.name).mkdir(parents=True, exist_ok=True)
        for k in range(times):
            meta = dict(post.metadata)
            new_id = meta["id"] if k == 0 else f"{meta['id']}-s{k:02d}"
            meta["id"] = new_id
            if k:
                others = rng.sample(files, 2)
                extra_en, extra_ja = [], []
                for other in others:
                    body = bodies[other]
                    en, _, ja = body.partition("[ja]")
                    extra_en.append(rng.choice(_sentences(en.replace("[en]", ""))))
                    extra_ja.append(rng.choice(_sentences(ja)))
                meta["title"] = {"en": f"{meta['title']['en']} (copy {k})", "ja": f"{meta['title']['ja']}（写し{k}）"}
                meta["related"] = []
                en, _, ja = post.content.partition("[ja]")
                body = (en.rstrip() + "\n\n" + " ".join(extra_en) + f" Copy {k}.\n\n[ja]\n"
                        + ja.strip() + "\n\n" + "".join(extra_ja) + f"（写し{k}）\n")
                body = body.replace("](entry:", "](/entry/")   # links to copies would be dangling
            else:
                body = post.content
            text = "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n" + body
            (out / "entries" / f.parent.name / f"{new_id}.md").write_text(text, encoding="utf-8")
    return out


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: bench/synthetic.py TIMES TARGET_DIR")
    print(generate(int(sys.argv[1]), Path(sys.argv[2])))
