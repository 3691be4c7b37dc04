/** Slice 7 of the fuzz campaign (see `_support/campaign.ts`; `npm run fuzz -- --help` for long campaigns). */
import { defineCampaignSlice } from './_support/campaign.js';

defineCampaignSlice(7, 'test/fuzz/campaign-7.test.ts');
