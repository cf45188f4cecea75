/**
 * The one catalogue of zhidu's errors: stable code, HTTP status and message
 * templates (zh-CN for caseworkers and policy staff, en for integrators).
 * `test/errors-catalogue.test.ts` checks that every code here is documented in
 * docs/errors.md, so adding a code without documenting it fails CI.
 */
export interface ErrorSpec {
  readonly status: number;
  readonly zh: string;
  readonly en: string;
}

export const ERRORS = {
  // ---- rule-set text (YAML) ----
  YAML_SYNTAX: { status: 400, zh: 'YAML 语法错误：{detail}', en: 'YAML syntax error: {detail}' },
  YAML_TOO_LARGE: { status: 413, zh: '规则文件过大：{found} 字节，上限 {expected} 字节', en: 'Rule file too large: {found} bytes, limit {expected}' },
  YAML_TOO_DEEP: { status: 400, zh: '嵌套过深：深度 {found}，上限 {expected}', en: 'Nesting too deep: depth {found}, limit {expected}' },
  YAML_TOO_DEEP_TEXT: { status: 400, zh: '嵌套过深：此处的括号或行首 “- ”“? ” 已超过 {found} 层（上限 {expected} 层），文件未解析', en: 'Nesting too deep: brackets or leading "- "/"? " exceed {found} levels here (limit {expected}); the file was not parsed' },
  YAML_ALIAS_LIMIT: { status: 400, zh: 'YAML 别名过多：{found} 个，上限 {expected} 个', en: 'Too many YAML aliases: {found}, limit {expected}' },
  YAML_TAG: { status: 400, zh: '不允许显式 YAML 标签 {found}', en: 'Explicit YAML tag {found} is not allowed' },
  YAML_DUPLICATE_KEY: { status: 400, zh: '重复的键 “{key}”', en: 'Duplicate key "{key}"' },
  YAML_FORBIDDEN_KEY: { status: 400, zh: '禁止使用的键 “{key}”（可能造成原型污染）', en: 'Forbidden key "{key}" (prototype pollution)' },
  YAML_MULTI_DOCUMENT: { status: 400, zh: '一个文件只能包含一个 YAML 文档', en: 'A file must contain exactly one YAML document' },
  RULESET_UNREADABLE: { status: 400, zh: '规则文件无法载入：{detail}', en: 'Rule file could not be loaded: {detail}' },
  // ---- rule-set structure (schema) ----
  SCHEMA_TYPE: { status: 400, zh: '“{key}” 的类型应为 {expected}，实际为 {found}', en: '"{key}" must be {expected}, found {found}' },
  SCHEMA_REQUIRED: { status: 400, zh: '缺少必填项 “{key}”', en: 'Missing required property "{key}"' },
  SCHEMA_UNKNOWN_KEY: { status: 400, zh: '未知的键 “{key}”', en: 'Unknown property "{key}"' },
  SCHEMA_ENUM: { status: 400, zh: '“{key}” 的值应为 {expected} 之一，实际为 {found}', en: '"{key}" must be one of {expected}, found {found}' },
  SCHEMA_PATTERN: { status: 400, zh: '“{key}” 的格式不符：应匹配 {expected}，实际为 {found}', en: '"{key}" does not match {expected}: {found}' },
  SCHEMA_VIOLATION: { status: 400, zh: '“{key}” 不符合规则集格式：{detail}', en: '"{key}" violates the rule-set schema: {detail}' },
  // ---- rule-set meaning (semantic checks) ----
  VERSION_DUPLICATE: { status: 400, zh: '规则集 {key} 的版本 {found} 重复：另一个文件已载入该版本', en: 'Rule set {key} version {found} is loaded twice: another file already holds it' },
  DUPLICATE_ID: { status: 400, zh: '重复的标识 “{found}”（首次出现在第 {expected} 行）', en: 'Duplicate id "{found}" (first at line {expected})' },
  UNDECLARED_FACT: { status: 400, zh: '使用了未声明的事实 “{found}”；已声明：{expected}', en: 'Undeclared fact "{found}"; declared: {expected}' },
  UNDECLARED_OUTPUT: { status: 400, zh: '设置了未声明的输出 “{found}”；已声明：{expected}', en: 'Undeclared output "{found}"; declared: {expected}' },
  OPERATOR_TYPE: { status: 400, zh: '运算符 {key} 不适用于 {found} 类型的事实 “{detail}”；应为 {expected}', en: 'Operator {key} does not fit fact "{detail}" of type {found}; expected {expected}' },
  VALUE_TYPE: { status: 400, zh: '比较值类型不符：事实 “{key}” 为 {expected}，比较值为 {found}', en: 'Comparison value type mismatch: fact "{key}" is {expected}, value is {found}' },
  OUTPUT_VALUE_TYPE: { status: 400, zh: '输出 “{key}” 的类型为 {expected}，规则给出的值为 {found}', en: 'Output "{key}" is {expected}, the rule gives {found}' },
  CITATION_FILE: { status: 400, zh: '引用的文件 “{found}” 不存在于 rules/sources/', en: 'Cited file "{found}" is not in rules/sources/' },
  CITATION_LINES: { status: 400, zh: '引用行 {found} 超出文件范围（共 {expected} 行）或顺序颠倒', en: 'Cited lines {found} outside the file (it has {expected} lines) or reversed' },
  CITATION_QUOTE: { status: 400, zh: '引文 “{found}” 不在所引第 {expected} 行中', en: 'Quote "{found}" does not occur in cited lines {expected}' },
  FORMULA_SYNTAX: { status: 400, zh: '公式无法解析：{detail}', en: 'Formula does not parse: {detail}' },
  FORMULA_FORBIDDEN: { status: 400, zh: '公式使用了不允许的函数或符号 “{found}”；允许：{expected}', en: 'Formula uses forbidden function or symbol "{found}"; allowed: {expected}' },
  FORMULA_CONSTANT: { status: 400, zh: '公式中不依赖任何事实的部分 “{found}” 无法计算：{detail}', en: 'The part of the formula that reads no fact, "{found}", cannot be computed: {detail}' },
  FORMULA_CYCLE: { status: 400, zh: '派生事实 “{found}” 引用了其后或自身定义的事实', en: 'Derived fact "{found}" refers to itself or a later fact' },
  TEMPLATE_FACT: { status: 400, zh: '理由模板引用了未知的名称 “{found}”', en: 'Reason template refers to unknown name "{found}"' },
  OUTCOME_UNKNOWN: { status: 400, zh: '标题输出 “{found}” 未在 outputs 中声明', en: 'Headline outcome "{found}" is not declared in outputs' },
  INPUT_SCHEMA: { status: 400, zh: '输入定义无效：{detail}', en: 'Invalid input schema: {detail}' },
  ENUM_VALUE: { status: 400, zh: '比较值 {found} 不在事实 “{key}” 的可选值中：{expected}', en: 'Value {found} is not among the values of fact "{key}": {expected}' },
  EFFECTIVE_RANGE: { status: 400, zh: '生效区间无效：终止日 {found} 早于起始日 {expected}', en: 'Invalid effective range: end {found} before start {expected}' },
  // ---- lint (src/lint/): findings about a rule set that loads, and about the text behind it ----
  LINT_BAND_OVERLAP: { status: 422, zh: '数值区间重叠：{detail}', en: 'Numeric bands overlap: {detail}' },
  LINT_BAND_GAP: { status: 422, zh: '数值区间有空档：{detail}', en: 'Numeric bands leave a gap: {detail}' },
  LINT_NEVER_FIRES: { status: 422, zh: '规则永远不会成立：{detail}', en: 'Rule can never hold: {detail}' },
  LINT_ALWAYS_FIRES: { status: 422, zh: '规则总是成立：{detail}', en: 'Rule always holds: {detail}' },
  LINT_CONTRADICTION: { status: 422, zh: '条件互相矛盾：{detail}', en: 'Conditions contradict each other: {detail}' },
  LINT_OUTPUT_NEVER_SET: { status: 422, zh: '输出无从产生：{detail}', en: 'Output is never produced: {detail}' },
  LINT_OUTPUT_APPLIES_UNSTATED: { status: 422, zh: '输出未写明何时适用：{detail}', en: 'Output does not say when it applies: {detail}' },
  LINT_VALUE_NEVER_PRODUCED: { status: 422, zh: '结果值无从产生：{detail}', en: 'Output value is never produced: {detail}' },
  LINT_FACT_UNUSED: { status: 422, zh: '事实已声明但从未使用：{detail}', en: 'Fact declared but never used: {detail}' },
  LINT_FACT_UNTESTED: { status: 422, zh: '事实未在任何测试用例中出现：{detail}', en: 'Fact appears in no test case: {detail}' },
  LINT_CITATION_WEAK: { status: 422, zh: '引用条款过于简略：{detail}', en: 'Citation clause too vague: {detail}' },
  LINT_AMBIGUITY_UNRESOLVED: { status: 422, zh: '歧义未给出处理办法：{detail}', en: 'Ambiguity has no resolution: {detail}' },
  LINT_AMBIGUITY_CONCERNS_UNSTATED: { status: 422, zh: '歧义未写明涉及的条件：{detail}', en: 'Ambiguity does not say what it concerns: {detail}' },
  LINT_AMBIGUITY_UNTESTED: { status: 422, zh: '歧义没有测试用例：{detail}', en: 'Ambiguity has no test case: {detail}' },
  LINT_NO_TESTS: { status: 422, zh: '规则集没有测试文件：{detail}', en: 'Rule set has no test file: {detail}' },
  LINT_COVERAGE_RULE: { status: 422, zh: '测试未覆盖规则：{detail}', en: 'Rule not covered by tests: {detail}' },
  LINT_COVERAGE_CONDITION: { status: 422, zh: '测试未覆盖条件：{detail}', en: 'Condition not covered by tests: {detail}' },
  LINT_ACK_UNUSED: { status: 422, zh: '歧义记录的问题不存在：{detail}', en: 'Acknowledged finding does not occur: {detail}' },
  LINT_TEST_FAILS: { status: 422, zh: '测试用例未通过：{detail}', en: 'Test case fails: {detail}' },
  // ---- publishing (src/versions/) ----
  PUBLISH_REJECTED: { status: 422, zh: '版本未发布：{detail}；现行版本不变', en: 'Version not published: {detail}; the version in force is unchanged' },
  VERSION_EXISTS: { status: 409, zh: '规则集 {key} 的版本 {found} 已发布且内容不同；已发布的版本不可覆盖，请提高版本号', en: 'Rule set {key} version {found} is already published with different content; published versions are never overwritten: raise the version' },
  VERSION_SUPERSEDED: {
    status: 409,
    zh: '版本 {key} 已定于 {expected} 起施行，晚于本草稿的生效日期（{found}）：到那天它将取代本草稿，本草稿的修改随之失效。请以 {key} 为底稿起草，或把生效日期定在 {expected} 之后',
    en: 'Version {key} is scheduled from {expected}, after this draft\'s effective date ({found}): on that day it replaces the draft and the draft\'s changes are lost. Start the draft from {key}, or date it after {expected}',
  },
  // ---- four-eyes review (src/versions/review-flow.ts) ----
  REVIEW_REQUIRED: { status: 409, zh: '须先提交审核，经另一位编辑或管理员批准后方可发布（四眼原则）', en: 'Submit the version for review; it can be published once another editor or an admin approves it (four eyes)' },
  REVIEW_NOT_FOUND: { status: 404, zh: '版本 {key} 没有提交审核的记录', en: 'Version {key} has not been submitted for review' },
  REVIEW_STATE: { status: 409, zh: '{key} 当前状态为“{found}”，不能{detail}', en: '{key} is in state {found}; cannot {expected}' },
  REVIEW_COMMENT_REQUIRED: { status: 400, zh: '{detail}时须填写审核意见', en: 'A review comment is required to {expected}' },
  FOUR_EYES: { status: 403, zh: '不能{detail}自己提交的版本（提交人 {found}）：须由另一位编辑或管理员审核', en: 'Cannot {expected} a version you submitted yourself (submitted by {found}): another editor or an admin must review it' },
  REVIEW_NOT_SUBMITTER: { status: 403, zh: '只有提交人（{found}）或管理员可以撤回；审核人不同意请“退回”并填写意见', en: 'Only the submitter ({found}) or an admin may withdraw; a reviewer who disagrees rejects with a comment' },
  VERSION_NOT_FOUND: { status: 404, zh: '规则集 {key} 没有版本 {found}', en: 'Rule set {key} has no version {found}' },
  // ---- test files ----
  TEST_RULESET: { status: 400, zh: '测试文件对应的规则集 “{found}” 不存在', en: 'Test file names unknown rule set "{found}"' },
  TEST_UNKNOWN_NAME: { status: 400, zh: '测试期望引用了未知的名称 “{found}”', en: 'Test expectation refers to unknown name "{found}"' },
  // ---- facts and evaluation ----
  FACTS_INVALID: { status: 400, zh: '填写的内容有误：{detail}', en: 'Facts do not match the input schema: {detail}' },
  // Fact messages are read at the service window: {key} is the fact's title in zh and its id in en.
  FACT_REQUIRED: { status: 400, zh: '请填写“{key}”', en: 'Required fact "{key}" is missing' },
  FACT_UNKNOWN: { status: 400, zh: '未声明的事实 “{key}”', en: 'Undeclared fact "{key}"' },
  FACT_TYPE: { status: 400, zh: '“{key}”须为{expected}；现填 {found}', en: 'Fact "{key}" must be {expected}, found {found}' },
  FACT_RANGE: { status: 400, zh: '“{key}”须{expected}；现填 {found}', en: 'Fact "{key}" must be {expected}, found {found}' },
  FACT_FORBIDDEN_KEY: { status: 400, zh: '禁止使用的键 “{key}”', en: 'Forbidden key "{key}"' },
  FACTS_TOO_DEEP: { status: 400, zh: '事实嵌套过深：上限 {expected}', en: 'Facts nested too deeply: limit {expected}' },
  FORMULA_EVAL: { status: 422, zh: '公式 “{key}” 计算失败：{detail}', en: 'Formula "{key}" failed: {detail}' },
  OUTPUT_CONFLICT: { status: 422, zh: '多条同优先级规则对输出 “{key}” 给出不同结果：{found}', en: 'Rules of equal priority set output "{key}" differently: {found}' },
  RULESET_NOT_FOUND: { status: 404, zh: '规则集 “{key}” 不存在', en: 'Rule set "{key}" not found' },
  NO_VERSION_IN_FORCE: { status: 404, zh: '规则集 “{key}” 在 {found} 没有生效的版本', en: 'Rule set "{key}" has no version in force on {found}' },
  AS_OF_INVALID: { status: 400, zh: '决定日期 “{found}” 无效，应为 YYYY-MM-DD', en: 'Decision date "{found}" is invalid; expected YYYY-MM-DD' },
  AS_OF_RANGE: { status: 400, zh: '日期 “{found}” 超出可处理的范围（{expected}）', en: 'Date "{found}" is outside the supported range ({expected})' },
  // ---- HTTP API ----
  REQUEST_INVALID: { status: 400, zh: '请求不符合接口定义：{detail}', en: 'Request does not match the API schema: {detail}' },
  JSON_SYNTAX: { status: 400, zh: '请求体不是有效的 JSON：{detail}', en: 'Request body is not valid JSON: {detail}' },
  JSON_FORBIDDEN_KEY: { status: 400, zh: '请求中禁止使用的键 “{key}”（可能造成原型污染）', en: 'Forbidden key "{key}" in the request (prototype pollution)' },
  JSON_TOO_DEEP: { status: 400, zh: '请求嵌套过深：上限 {expected} 层', en: 'Request nested too deeply: limit {expected} levels' },
  JSON_DUPLICATE_KEY: { status: 400, zh: '请求中的键 “{key}” 重复出现', en: 'Duplicate key "{key}" in the request' },
  STRING_NUL: { status: 400, zh: '文字中不允许含空字符（U+0000）', en: 'Text may not contain the NUL character (U+0000)' },
  STRING_TOO_LONG: { status: 400, zh: '字符串过长：{found} 个字符，上限 {expected}', en: 'String too long: {found} characters, limit {expected}' },
  UNAUTHORIZED: { status: 401, zh: '缺少或无效的 API 密钥', en: 'Missing or invalid API key' },
  FORBIDDEN: { status: 403, zh: '角色 “{found}” 无权执行此操作；需要：{expected}', en: 'Role "{found}" may not do this; requires {expected}' },
  URL_INVALID: { status: 400, zh: '网址无效：{found}', en: 'Invalid URL: {found}' },
  URL_TOO_LONG: { status: 414, zh: '网址中的参数过长：上限 {expected} 个字符', en: 'A URL parameter is too long: limit {expected} characters' },
  PATH_FORBIDDEN: { status: 403, zh: '不允许访问该路径', en: 'This path may not be accessed' },
  ROUTE_NOT_FOUND: { status: 404, zh: '接口 {found} 不存在', en: 'No endpoint {found}' },
  DECISION_NOT_FOUND: { status: 404, zh: '决定 “{key}” 不存在', en: 'Decision "{key}" not found' },
  SOURCE_NOT_FOUND: { status: 404, zh: '原文 “{key}” 不存在或行号 {found} 超出范围', en: 'Source text "{key}" not found or lines {found} out of range' },
  KEY_NAME_TAKEN: { status: 409, zh: '名称 “{key}” 已有密钥；同一名称只能有一个密钥（先吊销再新增）', en: 'A key named "{key}" exists; names are unique (revoke it first)' },
  KEY_NOT_FOUND: { status: 404, zh: '没有名为 “{key}” 的密钥', en: 'No key named "{key}"' },
  KEY_LAST_ADMIN: { status: 409, zh: '不能吊销最后一个管理员密钥 “{key}”：否则无人能再管理密钥', en: 'Cannot revoke "{key}", the last admin key: nobody could manage keys afterwards' },
  KEYS_NOT_MANAGED: { status: 409, zh: '本服务的密钥不由密钥文件管理，无法在此增删', en: 'This server\'s keys are not managed through a keys file' },
  DETERMINATION_NONE: { status: 409, zh: 'supersedes 指明的 “{found}” 不是该决定的经办人意见（尚无意见）', en: 'supersedes names "{found}", but the decision has no determination yet' },
  DETERMINATION_CONFLICT: { status: 409, zh: '该决定已有经办人意见 “{found}”；如需更改，请以 supersedes 指明最新一条（{expected}）', en: 'The decision already has determination "{found}"; to change it, send supersedes with the latest one ({expected})' },
  RECORD_MISMATCH: { status: 409, zh: '决定记录 “{key}” 与按其规则集版本重新推导的结果不符（{detail}），记录可能被改动', en: 'Decision record "{key}" does not match what its rule-set version re-derives ({detail}); the record may have been altered' },
  VERSION_UNAVAILABLE: { status: 409, zh: '记录所用的规则集 {key} 版本 {found} 未加载，无法重放', en: 'Rule set {key} version {found}, used by the record, is not loaded; cannot replay' },
  // ---- the decision log against its signed checkpoints (zhidu log verify) ----
  LOG_REWRITTEN: {
    status: 409,
    zh: '决定日志被改写：检查点签署的第 {key} 条记录的链哈希为 {expected}，按现有记录重算为 {found}：第 {detail} 条记录中有记录被改动，且链已被重算',
    en: 'The decision log was rewritten: a checkpoint signed chain hash {expected} for record {key}, the records now hash to {found}: a record among {detail} was changed and the chain recomputed',
  },
  LOG_TRUNCATED: {
    status: 409,
    zh: '决定日志被截短：检查点已签署到第 {key} 条记录（链哈希 {expected}），日志现只有 {found} 条：第 {detail} 条记录已被删除',
    en: 'The decision log was truncated: a checkpoint signed records up to {key} (chain hash {expected}), the log now has {found}: records {detail} were deleted',
  },
  CHECKPOINT_SIGNATURE: {
    status: 409,
    zh: '检查点签名无效：检查点文件第 {key} 行（签署第 {found} 条记录，密钥 {detail}）不能用公钥 {expected} 验证，该检查点不予采信',
    en: 'Checkpoint signature invalid: line {key} of the checkpoints file (record {found}, key {detail}) does not verify with public key {expected}; it is not trusted',
  },
  CHECKPOINT_INVALID: { status: 400, zh: '检查点文件第 {key} 行不是检查点（{detail}）：{found}', en: 'Line {key} of the checkpoints file is not a checkpoint ({detail}): {found}' },
  // ---- impact jobs ----
  IMPACT_JOB_NOT_FOUND: { status: 404, zh: '影响分析任务 “{key}” 不存在', en: 'Impact job "{key}" not found' },
  IMPACT_JOB_NOT_DONE: { status: 409, zh: '影响分析任务 {key} 当前为“{found}”，没有报告（任务完成后才有报告）', en: 'Impact job {key} is {found}; a report exists only once it is done' },
  POPULATION_INVALID: { status: 422, zh: '上传的记录有 {found} 处错误，未开始分析：{detail}', en: 'The uploaded records have {found} problems; the job was not started: {detail}' },
  IMPACT_JOB_ENDED: { status: 409, zh: '影响分析任务 {key} 已经结束（“{found}”），无法取消', en: 'Impact job {key} has already ended ({found}); nothing to cancel' },
  // ---- case files (办件) ----
  CASE_NOT_FOUND: { status: 404, zh: '办件 “{key}” 不存在', en: 'Case "{key}" not found' },
  CASE_NOT_OWNER: { status: 403, zh: '办件 {key} 由经办人“{found}”办理，只有该经办人或管理员可以修改', en: 'Case {key} belongs to caseworker "{found}"; only they or an admin may change it' },
  CASE_STATE: { status: 409, zh: '办件 {key} 当前为“{found}”，不能{detail}', en: 'Case {key} is {found}; cannot {detail} (needs {expected})' },
  ID_NUMBER_INVALID: { status: 400, zh: '身份证号码有误：{detail}', en: 'Identity card number is invalid: {expected}' },
  PHONE_INVALID: { status: 400, zh: '联系电话“{found}”有误：应为 11 位手机号码，或带区号的固定电话（如 010-12345678）', en: 'Phone "{found}" is neither a mainland mobile number nor a landline with area code' },
  NAME_INVALID: { status: 400, zh: '申请人姓名“{found}”有误：应为 1–50 个汉字或字母（少数民族姓名可含间隔号“·”）', en: 'Applicant name "{found}" must be 1-50 Han characters or letters (a middle dot allowed)' },
  OVERRIDE_OUTCOME_INVALID: { status: 400, zh: '改判结论“{found}”不是本事项可作出的结论；可选：{expected}', en: 'Corrected outcome "{found}" is not an outcome of this matter; one of {expected}' },
  PERSONAL_DATA_FORBIDDEN: { status: 403, zh: '角色“{found}”不能查看或按姓名、身份证号查找申请人的个人信息', en: 'Role "{found}" may not see or search by applicants\' personal data' },
  NOTICE_FONT_MISSING: { status: 503, zh: '无法生成决定书 PDF：找不到中文字体文件 {found}（请设置 ZHIDU_NOTICE_FONT 指向 TTF 字体）', en: 'Cannot render the notice PDF: CJK font file {found} not found (set ZHIDU_NOTICE_FONT to a TTF font)' },
  BODY_TOO_LARGE: { status: 413, zh: '请求体过大：上限 {expected} 字节', en: 'Request body too large: limit {expected} bytes' },
  BATCH_TOO_LARGE: { status: 413, zh: '批量请求条目过多：{found} 条，上限 {expected} 条', en: 'Too many batch items: {found}, limit {expected}' },
  MEDIA_TYPE: { status: 415, zh: '不支持的内容类型 “{found}”；应为 {expected}', en: 'Unsupported media type "{found}"; expected {expected}' },
  EXPLAIN_INVALID: { status: 400, zh: '说明详略 explain 应为 full、summary 或 none，实际为 “{found}”', en: 'explain must be full, summary or none, found "{found}"' },
  OVERRIDE_REASON_REQUIRED: { status: 400, zh: '不同意决定时必须填写理由', en: 'An override (agree: false) needs a reason' },
  RATE_LIMITED: { status: 429, zh: '请求过于频繁：每 {expected} 毫秒最多 {found} 次，请稍后再试', en: 'Rate limited: at most {found} requests per {expected} ms; retry later' },
  AUTH_RATE_LIMITED: { status: 429, zh: '密钥验证失败次数过多：每 {expected} 毫秒最多 {found} 次，请稍后再试', en: 'Too many failed authentications: at most {found} per {expected} ms; retry later' },
  STORE_UNAVAILABLE: { status: 503, zh: '决定记录库不可用，决定未作出（未记录的决定不会返回）', en: 'The decision log is unavailable; no decision was made (an unrecorded decision is never returned)' },
  STORE_TIMEOUT: { status: 503, zh: '决定记录库在 {expected} 毫秒内没有响应，决定未作出（未记录的决定不会返回），请稍后重试', en: 'The decision log did not answer within {expected} ms; no decision was made (an unrecorded decision is never returned); retry shortly' },
  SERVER_CLOSING: { status: 503, zh: '服务正在停止，请稍后重试', en: 'The server is shutting down; retry shortly' },
  NOT_READY: { status: 503, zh: '服务尚未就绪：{detail}', en: 'Not ready: {detail}' },
  INTERNAL: { status: 500, zh: '服务器内部错误（已记录，编号 {key}）', en: 'Internal server error (logged as {key})' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

/**
 * Sentences that stand inside a message (its {detail}, usually), not
 * messages of their own: why the gate refused a draft, what a request got
 * wrong. Kept here so that the English detail of a problem is English too,
 * rather than a Chinese sentence a handler wrote inline.
 */
export const PHRASES = {
  // ---- why the publish gate stopped (src/versions/publish-gate.ts) ----
  DRAFT_INVALID: { zh: '草稿未通过校验', en: 'the draft does not validate' },
  TESTS_MISSING: { zh: '没有测试文件：发布前必须运行规则集的测试', en: 'no test file: a version is published only after its tests have run' },
  TESTS_FAILED: { zh: '测试未通过（{found} 个用例失败）', en: 'the tests fail ({found} cases)' },
  TESTS_EMPTY: { zh: '测试文件没有可运行的用例', en: 'the test file has no case to run' },
  TESTS_OFF_DRAFT: { zh: '没有任何测试用例按草稿版本作出决定（只检验了报错的用例）', en: 'no test case reaches a decision on the draft (only cases expecting an error ran)' },
  LINT_ERRORS: { zh: '检查发现 {found} 个错误', en: 'lint found {found} errors' },
  POPULATION_FAILED: { zh: '{found} 名模拟申请人中有 {expected} 名无法作出决定{detail}', en: '{expected} of {found} generated applicants get no decision{detail}' },
  POPULATION_EXAMPLE: { zh: '，例如第 {key} 名：{detail}', en: ', e.g. number {key}: {detail}' },
  // ---- requests ----
  DRAFT_ID_MISMATCH: { zh: '草稿的 id 为 {found}，与所指的规则集 {expected} 不符', en: "the draft's id is {found}, not {expected} as requested" },
  DATE_SPAN: { zh: '{found} 至 {expected}', en: '{found} to {expected}' },
  QUERY_INSTANT: { zh: '{key} 应为 YYYY-MM-DD 或 ISO 日期时间，现为 {found}', en: '{key} must be YYYY-MM-DD or an ISO date-time, found {found}' },
  QUERY_DATE: { zh: '{key} 应为 YYYY-MM-DD，现为 {found}', en: '{key} must be YYYY-MM-DD, found {found}' },
  QUERY_LIMIT: { zh: '{key} 最大为 {expected}', en: '{key} is at most {expected}' },
  // ---- case files: a case's state, and what was asked of it (CASE_STATE) ----
  CASE_DRAFT: { zh: '草稿', en: 'a draft' },
  CASE_SUBMITTED: { zh: '已提交', en: 'submitted' },
  CASE_OVERRIDDEN: { zh: '已改判', en: 'overridden' },
  CASE_CLOSED: { zh: '已办结', en: 'closed' },
  CASE_EDIT: { zh: '修改草稿', en: 'edit its draft' },
  CASE_EVALUATE: { zh: '评估', en: 'evaluate it' },
  CASE_SUBMIT: { zh: '提交', en: 'submit it' },
  CASE_RESUBMIT: { zh: '再次提交', en: 'submit it again' },
  CASE_OVERRIDE: { zh: '改判', en: 'correct its outcome' },
  CASE_CLOSE: { zh: '办结', en: 'close it' },
  CASE_NOTICE: { zh: '出具告知书（请先提交）', en: 'issue a notice (submit it first)' },
  // ---- an impact job's status (IMPACT_JOB_NOT_DONE, IMPACT_JOB_ENDED) ----
  JOB_QUEUED: { zh: '排队中', en: 'queued' },
  JOB_RUNNING: { zh: '运行中', en: 'running' },
  JOB_DONE: { zh: '已完成', en: 'done' },
  JOB_FAILED: { zh: '失败', en: 'failed' },
  JOB_CANCELLED: { zh: '已取消', en: 'cancelled' },
  // ---- readiness (GET /ready) ----
  LOG_UNREACHABLE: { zh: '决定记录库不可达', en: 'the decision log is unreachable' },
  LOG_NOT_ANSWERING: { zh: '决定记录库无响应', en: 'the decision log is not answering' },
  NO_RULES_LOADED: { zh: '未从 {found} 载入任何规则集', en: 'no rule set loaded from {found}' },
} as const satisfies Record<string, { readonly zh: string; readonly en: string }>;

export type PhraseKey = keyof typeof PHRASES;

/** A catalogued phrase as a message parameter: worded in the language of the message it stands in. */
export interface Phrase {
  readonly phrase: PhraseKey;
  readonly params: MessageParams;
}

export function phrase(key: PhraseKey, params: MessageParams = {}): Phrase {
  return { phrase: key, params };
}

export type MessageParams = Partial<Record<'key' | 'expected' | 'found' | 'detail', string | number | Phrase>>;

function fill(template: string, params: MessageParams, lang: 'zh' | 'en'): string {
  return template.replace(/\{(key|expected|found|detail)\}/g, (_, name: keyof MessageParams) => {
    const value = params[name];
    if (value === undefined) return '';
    return typeof value === 'object' ? fill(PHRASES[value.phrase][lang], value.params, lang) : String(value);
  });
}

export function formatMessage(code: ErrorCode, params: MessageParams, lang: 'zh' | 'en' = 'zh'): string {
  return fill(ERRORS[code][lang], params, lang);
}

export function formatPhrase(p: Phrase, lang: 'zh' | 'en' = 'zh'): string {
  return fill(PHRASES[p.phrase][lang], p.params, lang);
}
