/**
 * The custom search attributes dealflow keeps current on every lead. No PII: stage, status, ids and
 * numbers only (search attribute values are stored unencrypted). Registered at dev-server start
 * (devstack/services.ts) and by docker-compose's admin-tools service.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const SEARCH_ATTRIBUTE_TYPES = {
  DealflowStage: 'Keyword',
  DealflowStatus: 'Keyword',
  DealflowOwner: 'Keyword',
  DealflowTeam: 'Keyword',
  DealflowEscalationLevel: 'Int',
  DealflowCampaign: 'Keyword',
  DealflowValue: 'Double',
} as const satisfies Record<string, 'Keyword' | 'Int' | 'Double' | 'Bool' | 'Datetime' | 'Text' | 'KeywordList'>;

export const SA = {
  stage: defineSearchAttributeKey('DealflowStage', SearchAttributeType.KEYWORD),
  status: defineSearchAttributeKey('DealflowStatus', SearchAttributeType.KEYWORD),
  owner: defineSearchAttributeKey('DealflowOwner', SearchAttributeType.KEYWORD),
  team: defineSearchAttributeKey('DealflowTeam', SearchAttributeType.KEYWORD),
  escalationLevel: defineSearchAttributeKey('DealflowEscalationLevel', SearchAttributeType.INT),
  campaign: defineSearchAttributeKey('DealflowCampaign', SearchAttributeType.KEYWORD),
  value: defineSearchAttributeKey('DealflowValue', SearchAttributeType.DOUBLE),
};
