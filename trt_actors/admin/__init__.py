"""The admin desk: what ``ADMIN_IDS`` can do in the bot, as a pure decider with its own stream per admin.

:mod:`.asks` reads an admin's text, :mod:`.callback_data` the desk's buttons,
:mod:`.decider` decides on them with the read models' results
(:mod:`.views`) carried in the command (:mod:`.commands`), :mod:`.state` is
the fold, :mod:`.screens` and :mod:`.texts` draw the answers. The shell,
router and reactions are in :mod:`trt_actors.actors.admin_desk`; the events
in :mod:`trt_actors.events.admin`.
"""
