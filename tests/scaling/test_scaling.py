"""helpers.scaling: the boto3-shaped requests, the minute-by-minute autoscaling day, and the cost of each option."""

from __future__ import annotations

import math

import botocore.session
import numpy as np
import pytest
from botocore.validate import ParamValidator

from helpers import scaling
from helpers.scaling import ScalingConfigError

RESOURCE = "endpoint/shop/variant/AllTraffic"


def target_request(**changes):
    request = dict(ServiceNamespace="sagemaker", ResourceId=RESOURCE,
                   ScalableDimension="sagemaker:variant:DesiredInstanceCount", MinCapacity=1, MaxCapacity=4)
    request.update(changes)
    return request


def policy_request(target_value=100.0, scale_in=0, scale_out=0, **changes):
    request = dict(PolicyName="per-instance", ServiceNamespace="sagemaker", ResourceId=RESOURCE,
                   ScalableDimension="sagemaker:variant:DesiredInstanceCount", PolicyType="TargetTrackingScaling",
                   TargetTrackingScalingPolicyConfiguration={
                       "TargetValue": target_value,
                       "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"},
                       "ScaleInCooldown": scale_in, "ScaleOutCooldown": scale_out})
    request.update(changes)
    return request


def day(traffic, *, min_capacity=1, max_capacity=4, target_value=100.0, scale_in=0, scale_out=0, **options):
    target = scaling.scalable_target(**target_request(MinCapacity=min_capacity, MaxCapacity=max_capacity))
    policy = scaling.scaling_policy(**policy_request(target_value, scale_in, scale_out))
    options.setdefault("capacity_per_instance", 200)
    options.setdefault("startup_minutes", 0)
    return scaling.simulate_day(target, policy, np.array(traffic), **options)


# --- the requests: the shapes boto3 takes, and errors that name the fix -------------------------------


def test_the_requests_accepted_here_are_valid_for_boto3_itself():
    model = botocore.session.get_session().get_service_model("application-autoscaling")
    for operation, request in (("RegisterScalableTarget", target_request()), ("PutScalingPolicy", policy_request())):
        report = ParamValidator().validate(request, model.operation_model(operation).input_shape)
        assert not report.has_errors(), report.generate_report()


def test_a_registered_target_and_policy_read_their_fields():
    target = scaling.scalable_target(**target_request(MinCapacity=2, MaxCapacity=6))
    assert (target.endpoint, target.variant, target.min_capacity, target.max_capacity) == ("shop", "AllTraffic", 2, 6)
    policy = scaling.scaling_policy(**policy_request(600, scale_in=600, scale_out=120))
    assert (policy.target_value, policy.scale_in_cooldown, policy.scale_out_cooldown) == (600.0, 600, 120)


def test_cooldowns_default_to_300_seconds_as_on_aws():
    request = policy_request()
    for name in ("ScaleInCooldown", "ScaleOutCooldown"):
        del request["TargetTrackingScalingPolicyConfiguration"][name]
    policy = scaling.scaling_policy(**request)
    assert policy.scale_in_cooldown == policy.scale_out_cooldown == 300


@pytest.mark.parametrize("changes, words", [
    ({"ServiceNamespace": "ecs"}, "ServiceNamespace='sagemaker'"),
    ({"ResourceId": "shop/AllTraffic"}, "endpoint/<endpoint name>/variant/<variant name>"),
    ({"ScalableDimension": "sagemaker:variant:InstanceCount"}, "sagemaker:variant:DesiredInstanceCount"),
    ({"MinCapacity": 5, "MaxCapacity": 2}, "swap them or raise MaxCapacity to at least 5"),
    ({"MinCapacity": 0}, "MinCapacity=0 must be at least 1"),
    ({"MaxCapacity": 2.5}, "must be a whole number"),
    ({"MaxCapacity": None}, "MaxCapacity is missing: add MaxCapacity="),
    ({"MinCapcity": 1}, "did you mean 'MinCapacity'"),
], ids=["namespace", "resource", "dimension", "min-above-max", "zero", "fraction", "missing", "typo"])
def test_a_wrong_target_is_refused_with_its_fix(changes, words):
    with pytest.raises(ScalingConfigError, match=None) as error:
        scaling.scalable_target(**target_request(**changes))
    assert words in str(error.value)


def config_without(name):
    request = policy_request()
    del request["TargetTrackingScalingPolicyConfiguration"][name]
    return request


def config_with(**changes):
    request = policy_request()
    request["TargetTrackingScalingPolicyConfiguration"].update(changes)
    return request


@pytest.mark.parametrize("request_, words", [
    (config_without("TargetValue"), "TargetValue is missing: add TargetValue="),
    (config_with(TargetValue=-5), "must be a positive number"),
    (config_with(TargetValue="600"), "must be a positive number"),
    (config_with(PredefinedMetricSpecification={"PredefinedMetricType": "ECSServiceAverageCPUUtilization"}),
     "PredefinedMetricType='SageMakerVariantInvocationsPerInstance'"),
    (config_without("PredefinedMetricSpecification"), "PredefinedMetricSpecification is missing"),
    (config_with(ScaleInCooldown=-1), "must be at least 0"),
    (config_with(TargetVal=3), "did you mean 'TargetValue'"),
    (policy_request(PolicyType="StepScaling"), "PolicyType='TargetTrackingScaling'"),
    (policy_request(ServiceNamespace="lambda"), "ServiceNamespace='sagemaker'"),
], ids=["no-target", "negative", "string", "metric", "no-metric", "cooldown", "typo", "step", "namespace"])
def test_a_wrong_policy_is_refused_with_its_fix(request_, words):
    with pytest.raises(ScalingConfigError) as error:
        scaling.scaling_policy(**request_)
    assert words in str(error.value)


def test_the_client_wants_the_target_registered_before_its_policy():
    client = scaling.ApplicationAutoScaling()
    with pytest.raises(ScalingConfigError, match="call register_scalable_target with that ResourceId first"):
        client.put_scaling_policy(**policy_request())
    client.register_scalable_target(**target_request())
    answer = client.put_scaling_policy(**policy_request())
    assert [alarm["AlarmName"].rsplit("-", 1)[1] for alarm in answer["Alarms"]] == ["AlarmHigh", "AlarmLow"]
    result = client.simulate_day(RESOURCE, [50] * 10, capacity_per_instance=200)
    assert result.minutes["in_service"].tolist() == [1] * 10


# --- the day, minute by minute: small traffic checked by hand ------------------------------------------


def test_scale_out_happens_only_after_three_breaching_minutes():
    # 250 requests a minute on one instance, target 100: breaching from minute 2 on (minutes 0-1 are quiet).
    result = day([50, 50, 250, 250, 250, 250, 250, 250])
    assert result.activities == [(4, 1, 3)]  # the third breaching minute (4) asks for ceil(250/100) = 3
    assert result.minutes["in_service"].tolist() == [1, 1, 1, 1, 1, 3, 3, 3]  # in service the next minute


def test_two_breaching_minutes_then_a_quiet_one_do_not_scale():
    result = day([250, 250, 50, 250, 250, 50, 250, 250])
    assert result.activities == [] and result.minutes["in_service"].eq(1).all()


def test_new_instances_serve_after_the_start_up_delay_but_bill_from_launch():
    result = day([250] * 10, startup_minutes=3)
    assert result.minutes["in_service"].tolist() == [1] * 6 + [3] * 4  # launched at minute 2, serving at 2 + 1 + 3
    assert result.minutes["billed"].tolist() == [1] * 3 + [3] * 7
    # Capacity 200 per instance: one instance leaves 50 more waiting each minute. The queue holds what one
    # minute of capacity answers within the 60 s timeout (200): beyond that, 50 fail in minutes 4 and 5.
    assert result.minutes["queued"].tolist() == [50, 100, 150, 200, 200, 200, 0, 0, 0, 0]
    assert result.minutes["failed"].tolist() == [0] * 4 + [50, 50] + [0] * 4 and result.failed == 100
    assert result.minutes["served"].iloc[6] == 200 + 250  # three instances clear the queue and the minute


def test_scale_out_cooldown_blocks_a_second_scale_out():
    traffic = [150] * 3 + [350] * 10  # asks for 2 at minute 2, then for 4 (350 on 2 instances still breaches)
    eager = day(traffic, scale_out=0)
    patient = day(traffic, scale_out=360)  # 6 minutes
    # The high alarm stays in ALARM, so without a cooldown the next minute scales out again.
    assert eager.activities == [(2, 1, 2), (3, 2, 4)]
    assert patient.activities == [(2, 1, 2), (8, 2, 4)]  # not before 2 + 6 minutes
    assert patient.minutes["in_service"].tolist()[3:10] == [2] * 6 + [4]


def test_scale_in_waits_for_fifteen_low_minutes():
    # Three instances, target 100: 300 a minute is on target; 10 a minute (3.3 per instance) is below 90.
    result = day([300] * 2 + [10] * 30, initial=3)
    assert result.activities == [(16, 3, 1)]  # low from minute 2: the 15th low minute is 16
    assert result.minutes["in_service"].iloc[16] == 3 and result.minutes["in_service"].iloc[17] == 1
    interrupted = day([300] * 2 + [10] * 14 + [300] + [10] * 14, initial=3)  # 14 low, 1 on target, 14 low
    assert interrupted.activities == []


def test_scale_in_cooldown_delays_the_next_scale_in():
    traffic = [10] * 30 + [1] * 70  # target 5: 4 instances -> 2 (10/5) at minute 14, then 2 -> 1 when 1 a minute
    eager = day(traffic, initial=4, target_value=5, scale_in=0)
    patient = day(traffic, initial=4, target_value=5, scale_in=3600)  # an hour
    assert eager.activities == [(14, 4, 2), (44, 2, 1)]  # 15 low minutes from minute 30
    assert patient.activities == [(14, 4, 2), (74, 2, 1)]  # not before 14 + 60


def test_min_and_max_capacity_bound_the_count():
    flood = day([5000] * 30, max_capacity=4)
    assert flood.minutes["in_service"].max() == 4 and flood.failed > 0
    quiet = day([0] * 60, min_capacity=2, initial=4)
    assert quiet.minutes["in_service"].min() == 2


def test_a_variant_that_may_not_scale_in_keeps_its_instances():
    target = scaling.scalable_target(**target_request())
    request = config_with(DisableScaleIn=True)
    policy = scaling.scaling_policy(**request)
    result = scaling.simulate_day(target, policy, np.zeros(60, dtype=int), initial=3, capacity_per_instance=200)
    assert result.activities == [] and result.minutes["in_service"].eq(3).all()


def test_instance_hours_and_cost_are_billed_minutes_times_the_price():
    result = day([250] * 60, startup_minutes=0, price_per_hour=0.5)
    billed_minutes = 3 * 1 + 57 * 3  # one instance for minutes 0-2, three from minute 3 (launched at minute 2)
    assert result.minutes["billed"].sum() == billed_minutes
    assert result.instance_hours == pytest.approx(billed_minutes / 60)
    assert result.cost == pytest.approx(billed_minutes / 60 * 0.5)
    fixed = scaling.fixed_fleet(2, [10] * 90, price_per_hour=0.115)
    assert fixed.instance_hours == pytest.approx(3.0) and fixed.cost == pytest.approx(0.345)


def test_serverless_bills_compute_by_memory_and_data_per_request():
    traffic = np.zeros(60, dtype=int)
    traffic[[0, 5, 30]] = [100, 100, 100]  # 300 requests; idle 24 minutes before minute 30
    bill = scaling.serverless_day(traffic, memory_mb=2048, seconds_per_request=0.5, kb_per_request=1024,
                                  idle_minutes=10)
    assert bill.gb_seconds == pytest.approx(300 * 0.5 * 2)
    assert bill.compute_cost == pytest.approx(300 * 0.5 * 2 * 0.00002)
    assert bill.data_cost == pytest.approx(300 / 1024 * 0.016)  # 1 MB each: 300/1024 GB
    assert bill.cold_starts == 2  # the day's first request, and minute 30 after 24 idle minutes (not minute 5)


def test_serverless_throttles_beyond_max_concurrency_and_refuses_unknown_memory():
    bill = scaling.serverless_day([1300], max_concurrency=2, seconds_per_request=0.1)  # 2 x 600 fit in a minute
    assert bill.throttled == 100
    with pytest.raises(ValueError, match="1024, 2048"):
        scaling.serverless_day([1], memory_mb=1000)


# --- over capacity: queued, then failed past SageMaker's 60 s invocation timeout -----------------------


def test_a_burst_within_a_minute_of_capacity_waits_and_is_answered_not_lost():
    queue = scaling.queue_day([300, 0, 0], [200, 200, 200])
    assert queue["served"].tolist() == [200, 100, 0] and queue["failed"].sum() == 0
    assert queue["queued"].tolist() == [100, 0, 0]
    # Little's law: the queue averages (0 + 100) / 2 over minute 0, for 200 answers: 15 s each;
    # over minute 1, (100 + 0) / 2 for 100 answers: 30 s.
    assert queue["wait_seconds"].tolist() == pytest.approx([15.0, 30.0, 0.0])


def test_requests_that_would_wait_past_the_timeout_fail_and_leave_the_queue():
    queue = scaling.queue_day([700, 0], [200, 200])  # 500 left: 200 fit in the next minute, 300 fail
    assert queue["failed"].tolist() == [300, 0] and queue["queued"].tolist() == [200, 0]
    assert queue["served"].sum() + queue["failed"].sum() == 700
    shorter = scaling.queue_day([700, 0], [200, 200], timeout_seconds=30)  # a queue of 100 is 30 s of waiting
    assert shorter["failed"].tolist() == [400, 0] and shorter["queued"].tolist() == [100, 0]
    with pytest.raises(ValueError, match="one count per minute"):
        scaling.queue_day([1, 2], [200])


def test_an_always_on_fleet_queues_a_short_spike_instead_of_losing_it():
    fleet = scaling.fixed_fleet(1, [100, 260, 100, 100], capacity_per_instance=200)
    assert fleet.failed == 0 and fleet.minutes["queued"].tolist() == [0, 60, 0, 0]
    assert fleet.mean_wait_seconds > 0 and fleet.max_wait_seconds == pytest.approx(60 * 30 / 160)
    assert "queued in 1 minute " in fleet.summary() and "0 of 560 requests failed" in fleet.summary()


def test_the_default_capacity_is_the_benchmarks_measured_figure():
    measured = scaling.MEASURED
    assert scaling.DEFAULT_CAPACITY == round(measured["requests_per_second"] * 60)
    assert "bench_instances.py" in measured["benchmark"] and measured["machine"]


# --- the day of the lesson ------------------------------------------------------------------------------


def test_traffic_is_seeded_and_the_simulation_deterministic():
    assert np.array_equal(scaling.profile("spiky", seed=3), scaling.profile("spiky", seed=3))
    assert not np.array_equal(scaling.profile("spiky", seed=3), scaling.profile("spiky", seed=4))
    traffic = scaling.profile("spiky")
    assert len(traffic) == scaling.MINUTES_PER_DAY
    first, second = day(traffic, max_capacity=8, target_value=600), day(traffic, max_capacity=8, target_value=600)
    assert first.minutes.equals(second.minutes) and first.activities == second.activities


def lesson_policy():
    target = scaling.scalable_target(**target_request(MaxCapacity=8))
    # the notebook's policy: a target of half the measured capacity of one instance
    return target, scaling.scaling_policy(**policy_request(scaling.DEFAULT_CAPACITY / 2, scale_in=600, scale_out=120))


def test_each_option_wins_its_own_kind_of_day():
    target, policy = lesson_policy()
    costs = {name: scaling.compare_options(scaling.profile(name), target, policy)[0]["cost ($)"] for name in scaling.PROFILES}
    assert costs["spiky"].idxmin() == "autoscaled" and costs["spiky"]["always-on"] > 1.5 * costs["spiky"]["autoscaled"]
    assert costs["steady"].idxmin() == "always-on"
    assert costs["sparse"].idxmin() == "serverless" and costs["sparse"]["serverless"] < 0.01 * costs["sparse"]["always-on"]


def test_the_spike_costs_autoscaling_requests_while_instances_start():
    target, policy = lesson_policy()
    table, days = scaling.compare_options(scaling.profile("spiky"), target, policy)
    failed_minutes = days["autoscaled"].minutes.query("failed > 0")["minute"]
    assert table.loc["always-on", "lost requests"] == 0 and table.loc["autoscaled", "lost requests"] > 0
    assert failed_minutes.between(20 * 60, 20 * 60 + 20).all()  # only while the advert's spike lasts
    assert math.isclose(table.loc["autoscaled", "instance-hours"], days["autoscaled"].instance_hours)


def test_plot_day_draws_each_option_in_both_panels():
    import matplotlib

    matplotlib.use("Agg")
    target, policy = lesson_policy()
    _, days = scaling.compare_options(scaling.profile("spiky"), target, policy)
    figure = scaling.plot_day([days["always-on"], days["autoscaled"]])
    top, bottom = figure.axes
    assert len(top.lines) == 3 and len(bottom.lines) == 2
    assert top.lines[1].get_linestyle() != top.lines[2].get_linestyle()  # a second cue besides colour
