"""The word filter page: the list, adding many words at once, and the moderation settings."""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from server.errors import InvalidInput
from server.i18n import _, ngettext
from server.moderation import word_filter
from server.moderation.models import FilterMode
from server.web import form, path_int, read, redirect, render, signed_in, staff_only, write

PAGE = "/moderation/words"


def _count(request: Request, name: str) -> int:
    value = request.query_params.get(name, "")
    return int(value) if value.isascii() and value.isdigit() else 0


def _notice(request: Request) -> str:
    """What the last action did, carried through the redirect (counts only: the words
    themselves stay out of addresses and logs)."""
    if "added" in request.query_params:
        added, already = _count(request, "added"), _count(request, "already")
        unusable = _count(request, "unusable")
        parts = [_("Added %(num)s.") % {"num": added} if added else _("Nothing new to add.")]
        if already:
            parts.append(ngettext("%(num)s was already on the list.",
                                  "%(num)s were already on the list.", already)
                         % {"num": already})
        if unusable:
            parts.append(ngettext("%(num)s was left out because it has no letters or numbers.",
                                  "%(num)s were left out because they have no letters or "
                                  "numbers.", unusable) % {"num": unusable})
        return " ".join(parts)
    if request.query_params.get("removed") == "1":
        return _("Removed from the list.")
    if request.query_params.get("saved") == "1":
        return _("Settings saved.")
    return ""


async def _page(request: Request, *, status: int = 200, errors: dict[str, str] | None = None,
                typed: dict[str, str] | None = None) -> Response:
    listed = await read(request, word_filter.word_list, actor=signed_in(request))
    values = {"filter_mode": str(listed.settings.filter_mode),
              "report_threshold": str(listed.settings.report_threshold), "words": ""}
    values.update(typed or {})
    return render(request, "moderation/words.html", status=status, words=listed.words,
                  values=values, errors=errors or {}, notice="" if errors else _notice(request),
                  filter_modes=list(FilterMode), phrase_max=word_filter.PHRASE_MAX,
                  add_max=word_filter.ADD_AT_ONCE_MAX,
                  threshold_min=word_filter.THRESHOLD_MIN,
                  threshold_max=word_filter.THRESHOLD_MAX)


@staff_only
async def words_page(request: Request) -> Response:
    return await _page(request)


@staff_only
async def add_words(request: Request) -> Response:
    typed = (await form(request)).get("words", "")
    try:
        added = await write(request, word_filter.add_words, actor=signed_in(request), text=typed)
    except InvalidInput as exc:
        return await _page(request, status=422, errors=exc.errors, typed={"words": typed})
    return redirect(f"{PAGE}?added={len(added.added)}&already={len(added.already_there)}"
                    f"&unusable={len(added.unusable)}")


@staff_only
async def remove_word(request: Request) -> Response:
    await write(request, word_filter.remove_word, actor=signed_in(request),
                word_id=path_int(request, "word_id"))
    return redirect(f"{PAGE}?removed=1")


@staff_only
async def update_settings(request: Request) -> Response:
    data = await form(request)
    typed = {k: data.get(k, "") for k in ("filter_mode", "report_threshold")}
    try:
        await write(request, word_filter.update_settings, actor=signed_in(request), **typed)
    except InvalidInput as exc:
        return await _page(request, status=422, errors=exc.errors, typed=typed)
    return redirect(f"{PAGE}?saved=1")


routes: list[BaseRoute] = [
    Route(PAGE, words_page, methods=["GET"]),
    Route(PAGE, add_words, methods=["POST"]),
    Route(PAGE + "/{word_id:int}/remove", remove_word, methods=["POST"]),
    Route("/moderation/settings", update_settings, methods=["POST"]),
]
