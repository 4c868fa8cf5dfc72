# Twin of asyncio_lock_handover_and_cancel (tests/mp_lock.rs): the scenario in
# lock_scenario.py without the locked() probe after a hand-over release.
import lock_scenario

lock_scenario.run(False)
