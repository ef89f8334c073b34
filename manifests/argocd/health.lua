-- Argo CD health of the sagemaker.pipelines.dev kinds (Pipeline, PipelineRun, PipelineSchedule),
-- read from the kstatus conditions the operator writes. Registered for each kind as
-- resource.customizations.health.sagemaker.pipelines.dev_<Kind> (argocd-cm-patch.yaml).
-- Plain Lua 5.1: Argo CD runs gopher-lua.

local function condition(ctype)
  if obj.status == nil or obj.status.conditions == nil then
    return nil
  end
  for _, c in ipairs(obj.status.conditions) do
    if c.type == ctype then
      return c
    end
  end
  return nil
end

local function describe(c, fallback)
  if c ~= nil and c.message ~= nil and c.message ~= "" then
    return c.message
  end
  if c ~= nil and c.reason ~= nil and c.reason ~= "" then
    return c.reason
  end
  return fallback
end

local function health()
  if obj.status == nil or obj.status.conditions == nil then
    return "Progressing", "Waiting for the operator to report status"
  end
  local generation = obj.metadata.generation
  local observed = obj.status.observedGeneration
  if generation ~= nil and (observed == nil or observed < generation) then
    return "Progressing", "Waiting for the operator to observe generation " .. generation
  end

  -- A finished run is judged by its phase: the operator marks every unsuccessful end Stalled
  -- (so that kstatus reports it as Failed), but a cancelled run is what its author asked for.
  local phase = nil
  local steps = ""
  if obj.kind == "PipelineRun" then
    phase = obj.status.phase
    if obj.status.stepSummary ~= nil then
      steps = " (steps " .. obj.status.stepSummary .. ")"
    end
    if phase == "Succeeded" then
      return "Healthy", "Succeeded" .. steps
    end
    if phase == "Stopped" and obj.status.stopReason == "Cancelled" then
      return "Suspended", "Cancelled by spec.cancel" .. steps
    end
    if phase == "Failed" or phase == "CompletedWithFailures" or phase == "Stopped" then
      local reason = obj.status.failureReason or describe(condition("Succeeded"), phase)
      return "Degraded", phase .. ": " .. reason
    end
  end

  local stalled = condition("Stalled")
  if stalled ~= nil and stalled.status == "True" then
    return "Degraded", describe(stalled, "Stalled")
  end
  if phase ~= nil then
    return "Progressing", phase .. steps
  end

  if obj.kind == "Pipeline" then
    local drifted = condition("Drifted")
    if drifted ~= nil and drifted.status == "True" then
      return "Degraded", describe(drifted, "Drifted from Git")
    end
  end

  local reconciling = condition("Reconciling")
  if reconciling ~= nil and reconciling.status == "True" then
    return "Progressing", describe(reconciling, "Reconciling")
  end
  local ready = condition("Ready")
  if ready == nil or ready.status == "Unknown" then
    return "Progressing", describe(ready, "Waiting for the Ready condition")
  end
  if ready.status == "True" then
    if obj.kind == "PipelineSchedule" and ready.reason == "Suspended" then
      return "Suspended", describe(ready, "Suspended")
    end
    return "Healthy", describe(ready, "Ready")
  end
  return "Degraded", describe(ready, "Not ready")
end

local hs = {}
hs.status, hs.message = health()
return hs
