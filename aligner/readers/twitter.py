"""Twitter's own JSON shapes (API v1.1, v2 pages, archives' ``tweets.js``), read alike: the
whole text of a tweet, its author's names, the tweets it retweets or quotes. Attributions in
text are `tweets`' and tweets embedded in pages `html`'s."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from aligner.readers.fields import NO_TEXT, TEXT_KEYS, BadRecord, kind_of, string_field

# Fields only Twitter's own tweet objects have (v1.1, v2, archives): their ids are tweet ids.
_TWITTER_KEYS = ("id_str", "user", "author_id", "edit_history_tweet_ids", "retweeted_status", "quoted_status")
_RETWEET = re.compile(r"^RT @(\w{1,15}):")
_NESTED = {"retweeted": "retweeted_status", "quoted": "quoted_status"}
_ARCHIVE_START = re.compile(r"\s*window\.YTD\.\w+\.part\d+\s*=\s*(?=\[)")


def is_twitter(value: dict[str, Any]) -> bool:
    """A tweet object of Twitter's own: its id is a tweet id, the same tweet when read twice."""
    return any(k in value for k in _TWITTER_KEYS)


def is_page(value: Any) -> bool:
    """A Twitter API v2 response: ``data`` (a list, or one tweet) and no text of its own."""
    return isinstance(value, dict) and "data" in value and not any(k in value for k in TEXT_KEYS)


def page_items(page: dict[str, Any]) -> list[Any]:
    """The tweets of a v2 page, each with its author's ``username`` and ``name`` from
    ``includes.users`` (v2 keeps them there, joined by ``author_id``), and the tweets it retweets
    or quotes from ``includes.tweets`` nested as v1.1 nests them (``retweeted_status``,
    ``quoted_status``), so that both versions are read alike."""
    data = page["data"]
    items = data if isinstance(data, list) else [data]
    includes: dict[str, Any] = page["includes"] if isinstance(page.get("includes"), dict) else {}
    users = _by_id(includes.get("users"))
    referenced = {k: _with_author(t, users) for k, t in _by_id(includes.get("tweets")).items()}
    out = []
    for item in items:
        item = _with_author(item, users)
        refs = item.get("referenced_tweets") if isinstance(item, dict) else None
        for ref in refs if isinstance(refs, list) else []:
            nest = _NESTED.get(str(ref.get("type"))) if isinstance(ref, dict) else None
            if nest and nest not in item and isinstance(ref.get("id"), (str, int)) and str(ref["id"]) in referenced:
                item = {**item, nest: referenced[str(ref["id"])]}
        out.append(item)
    return out


def _by_id(objects: Any) -> dict[str, dict[str, Any]]:
    """The objects of an ``includes`` list by their ``id`` (as a string)."""
    return {str(o["id"]): o for o in objects if isinstance(o, dict) and isinstance(o.get("id"), (str, int))} \
        if isinstance(objects, list) else {}


def _with_author(item: Any, users: dict[str, dict[str, Any]]) -> Any:
    """A v2 tweet with its author's ``username`` and ``name`` (from ``includes.users``)."""
    author = item.get("author_id") if isinstance(item, dict) else None
    user = users.get(str(author)) if isinstance(author, (str, int)) else None
    return {"username": user.get("username"), "name": user.get("name"), **item} if user else item


def with_referenced(key: str, value: Any, depth: int = 0) -> Iterator[tuple[str, Any]]:
    """A tweet, then the tweets it retweets or quotes, each a tweet of its own (keyed after it).
    Two levels deep at most: a retweet of a quote is as deep as Twitter nests them."""
    yield key, value
    if not isinstance(value, dict) or depth >= 2:
        return
    for nest in _NESTED.values():
        nested = value.get(nest)
        if isinstance(nested, dict) and any(k in nested for k in TEXT_KEYS):
            yield from with_referenced(f"{key}:{nest.split('_')[0]}", nested, depth + 1)


def archive_json(text: str) -> str | None:
    """The JSON array of a Twitter/X archive's ``tweets.js`` (JavaScript that assigns it to
    ``window.YTD.tweets.part0``), or None when ``text`` is no such file. The assignment is
    blanked out but for its line breaks, so that lines and columns stay true."""
    start = _ARCHIVE_START.match(text)
    if not start:
        return None
    return re.sub(r"[^\n]", " ", text[:start.end()]) + text[start.end():].rstrip().removesuffix(";")


def archive_tweet(item: Any) -> Any:
    """The tweet of an archive's ``{"tweet": {...}}`` item (anything else as it is, to be reported)."""
    tweet = item.get("tweet") if isinstance(item, dict) else None
    return tweet if isinstance(tweet, dict) else item


def names(value: dict[str, Any]) -> tuple[str | None, str | None]:
    """``(handle, author)`` of a tweet object: v1.1 nests them in ``user``, v2 pages have them
    joined from ``includes.users``, our own records name them."""
    user: dict[str, Any] = value["user"] if isinstance(value.get("user"), dict) else {}
    handle = string_field(user, ("screen_name",), "user.") or string_field(value, ("screen_name", "handle", "username"))
    return handle, string_field(user, ("name",), "user.") or string_field(value, ("author", "name"))


def retweet_text(value: dict[str, Any], text: str) -> tuple[str, str | None]:
    """``(text, raw)`` of a tweet whose own text is ``text``. A retweet's own text is "RT @handle: "
    and the original cut at 140 characters: it becomes the original's whole text under the same
    mark, which the aligner knows to look past, and its own is kept as ``raw``."""
    original = value.get("retweeted_status")
    if not (isinstance(original, dict) and any(k in original for k in TEXT_KEYS)):
        return text, None
    by = names(original)[0] or _retweeted_handle(text)
    return (f"RT @{by}: {text_of(original)}" if by else text_of(original)), text


def _retweeted_handle(text: str) -> str | None:
    match = _RETWEET.match(text)
    return match.group(1) if match else None


def text_of(record: dict[str, Any]) -> str:
    """The whole text: v1.1 streaming cuts ``text`` at 140 characters and keeps all of it in
    ``extended_tweet.full_text``, v2 keeps a long tweet in ``note_tweet.text``."""
    for holder, key in (("extended_tweet", "full_text"), ("note_tweet", "text")):
        nested = record.get(holder)
        if isinstance(nested, dict):
            whole = string_field(nested, (key,), f"{holder}.")
            if whole is not None:
                return whole
    found = None
    for key in TEXT_KEYS:
        value = record.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            raise BadRecord(f'"{key}" is {kind_of(value)}, not a string')
        if found is None or (not found.strip() and value.strip()):
            found = value
    if found is None:
        raise BadRecord(NO_TEXT)
    return found
