"""The desk's Russian catalogue (the default). Keys match :mod:`trt_actors.admin.texts.en` exactly."""

from __future__ import annotations

from typing import Final

__all__ = ["TEXTS"]

TEXTS: Final[dict[str, str]] = {
    # buttons (plain text)
    "btn.lookup": "🔎 Найти пользователя",
    "btn.stats": "📊 Статистика",
    "btn.models": "🧩 Модели",
    "btn.promo": "🎟 Промокод",
    "btn.broadcast": "📣 Рассылка",
    "btn.menu": "🛠 Меню админа",
    "btn.cancel": "✖️ Отмена",
    "btn.adjust": "± Изменить баланс",
    "btn.block": "⛔ Заблокировать",
    "btn.unblock": "✅ Разблокировать",
    "btn.refund": "↩️ Возврат #{n}: {stars} ⭐",
    "btn.profile": "👤 Профиль",
    "btn.send": "📣 Отправить всем",
    "btn.drop": "🗑 Отменить",
    "btn.progress": "🔄 Ход рассылки",
    "btn.refresh": "🔄 Обновить",
    # screens (HTML)
    "menu.title": "🛠 <b>Панель администратора</b>\nЧто сделать?",
    "menu.commands": "Или наберите: <code>/admin user 42</code> · <code>/admin adjust 42 +50 причина</code> · "
                     "<code>/admin refund 42 topup:…</code> · <code>/admin block 42 причина</code> · "
                     "<code>/admin unblock 42</code> · <code>/admin promo КОД кредиты использований дней</code> · "
                     "<code>/admin broadcast текст</code> · <code>/admin progress b-…</code> · <code>/admin stats</code>"
                     " · <code>/admin model id off|on</code>",
    "prompt.lookup": "🔎 Пришлите id пользователя или @username.",
    "prompt.adjust": "± Баланс пользователя <code>{user}</code>: пришлите <code>+50 причина</code> или "
                     "<code>-20 причина</code>. Причина обязательна.",
    "prompt.block": "⛔ Почему блокируем пользователя <code>{user}</code>? Пришлите причину.",
    "prompt.model": "🧩 Пришлите <code>id-модели on</code> или <code>id-модели off</code>.",
    "prompt.promo": "🎟 Пришлите <code>КОД кредиты использований дней</code>, например <code>SPRING 50 100 30</code>.",
    "prompt.broadcast": "📣 Пришлите текст рассылки (HTML Telegram). Перед отправкой будет предпросмотр.",
    "profile.title": "👤 <b>Пользователь {user}</b> {name}",
    "profile.blocked": "⛔ <b>Заблокирован</b>",
    "profile.balance": "💳 доступно {available}, в резерве {held} (резервов: {holds})",
    "profile.entries": "<b>Последние операции</b>",
    "profile.entry": "• {type} {change} <code>{operation}</code>",
    "profile.jobs": "<b>Последние заказы</b>",
    "profile.job": "• {model}: {credits} кр., {status}",
    "profile.payments": "<b>Платежи звёздами</b>",
    "profile.payment": "#{n} {stars} ⭐ → {credits} кр. <code>{credit_id}</code>{refunded}",
    "profile.refunded": " (возвращено {n})",
    "profile.none": "• нет",
    "stats.title": "📊 <b>Статистика</b>",
    "stats.users": "Пользователи: {users}; активны сегодня {day}, за неделю {week}",
    "stats.topups": "Пополнения: {count}, {stars} ⭐, {credits} кр.",
    "stats.spent": "Потрачено кредитов: {spent}; возвраты {refunds} ({refunded} кр.); корректировки {adjusted}",
    "stats.kie": "Кредиты KIE: {credits}",
    "stats.kie_unknown": "Кредиты KIE: неизвестно (KIE не ответил)",
    "stats.models": "<b>Задачи по моделям</b> (ошибки)",
    "stats.model": "• {model}: {jobs} ({failed})",
    "asked.adjust": "✅ Бухгалтерии поручено изменить баланс пользователя {user} на {amount}: {reason}.",
    "asked.refund": "✅ Запрошен возврат {credit_id} ({credits} кр.) пользователя {user}.",
    "asked.block": "⛔ Пользователь {user} заблокирован: {reason}.",
    "asked.unblock": "✅ Пользователь {user} разблокирован.",
    "asked.model_on": "🧩 Модель {model} включена.",
    "asked.model_off": "🧩 Модель {model} выключена.",
    "asked.promo": "🎟 Запрошен промокод {code}: {credits} кр., {uses} использований, {days} дней.",
    "asked.broadcast": "📣 Рассылка {id} отправляется.",
    "asked.dropped": "🗑 Рассылка {id} отменена; ничего не отправлено.",
    "preview.confirm": "👆 Так рассылку <code>{id}</code> увидит каждый пользователь. Отправить всем?",
    "progress.line": "📣 Рассылка <code>{id}</code>: доставлено {delivered}, ошибок {failed}, недоступно "
                     "{unreachable}, в очереди {queued} из {recipients}{finished}",
    "progress.finished": " — завершена",
    "progress.unknown": "📣 Рассылка <code>{id}</code> не начиналась.",
    "report.Credited": "✅ Корректировка <code>{id}</code>: начислено. Баланс теперь {available}.",
    "report.Debited": "✅ Корректировка <code>{id}</code>: списано. Баланс теперь {available}.",
    "report.DebitRejected": "❌ Бухгалтерия отклонила корректировку <code>{id}</code>: {detail}.",
    "report.RefundReserved": "✅ Возврат <code>{id}</code>: кредиты списаны, звёзды возвращаются. "
                             "Баланс теперь {available}.",
    "report.RefundRejected": "❌ Бухгалтерия отклонила возврат <code>{id}</code>: {detail}.",
    "report.PromoCreated": "✅ Промокод <code>{id}</code> создан.",
    "report.PromoCreateRefused": "❌ Промокод <code>{id}</code> не создан: {detail}.",
    "report.BroadcastStarted": "📣 Рассылка <code>{id}</code> началась: {detail}.",
    "report.BroadcastRefused": "❌ Рассылка <code>{id}</code> отклонена: {detail}",
    "report.BroadcastFinished": "📣 Рассылка <code>{id}</code> завершена: {detail}.",
    "report.other": "ℹ️ {action} <code>{id}</code>: {outcome} {detail}",
    # refusals
    "reject.no_reason": "⚠️ Нужна причина. Ничего не изменено.",
    "reject.bad_amount": "⚠️ Это не сумма кредитов (например +50 или -20, не 0). Ничего не изменено.",
    "reject.unknown_user": "⚠️ Нет такого пользователя: {detail}. Ничего не изменено.",
    "reject.unknown_payment": "⚠️ У пользователя {user} нет такого платежа: {detail}. Возврата нет.",
    "reject.refunded": "⚠️ Платёж {detail} уже возвращён. Возврата нет.",
    "reject.spent": "⚠️ Кредиты платежа {detail} уже потрачены. Возврата нет.",
    "reject.insufficient": "⚠️ У пользователя {user} доступно только {detail} кр. Ничего не изменено.",
    "reject.bad_html": "⚠️ Telegram не примет этот текст: {detail}. Ничего не отправлено.",
    "reject.unknown_model": "⚠️ Нет такой модели: {detail}.",
    "reject.bad_code": "⚠️ {detail} не может быть промокодом (3-32 буквы, цифры, _ или -).",
    "reject.bad_promo": "⚠️ Промокоду нужно 1-100000 кредитов, 1-10000 использований и 1-3650 дней.",
    "reject.malformed": "⚠️ Не понимаю: {detail}.",
    "reject.stale": "⚠️ Эта кнопка с экрана, которого больше нет.",
    "reject.unknown_command": "⚠️ Неизвестная команда админа: {detail}.",
    "crash.notice": "⚠️ Что-то пошло не так; ничего не изменено. Попробуйте ещё раз.",
    "reject.no_prompt": "⚠️ Сейчас ничего не спрошено; воспользуйтесь меню.",
}
