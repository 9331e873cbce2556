import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { GuardKind } from './guards.js';
import { compareForSemanticHit } from './guards.js';

function rejects(a: string, b: string, kind: GuardKind) {
  const v = compareForSemanticHit(a, b);
  assert.equal(v.ok, false, `expected "${a}" / "${b}" to be rejected (${kind})`);
  assert.equal(v.kind, kind, `"${a}" / "${b}": ${v.reason}`);
  assert.ok(v.reason?.startsWith(kind));
}

function accepts(a: string, b: string) {
  const v = compareForSemanticHit(a, b);
  assert.equal(v.ok, true, `expected "${a}" / "${b}" to pass, got ${v.reason}`);
}

describe('hit guards', () => {
  test('negation and polarity', () => {
    rejects('How do I cancel my order?', "How do I make sure my order doesn't get cancelled?", 'negation');
    rejects('I can log in to my account.', 'I cannot log in to my account.', 'negation');
    rejects('Can I log in with Google?', 'Can I log in without Google?', 'negation');
    rejects(
      'How do I renew my plan automatically?',
      'How do I stop my plan from renewing automatically?',
      'negation',
    );
    accepts("I can't log in", 'I am unable to sign in');
  });

  test('numbers and amounts, spelled out or not', () => {
    rejects('Refund for orders over $50?', 'Refund for orders over $500?', 'number');
    rejects('I ordered 3 items', 'I ordered 4 items', 'number');
    rejects('Can I buy two tickets?', 'Can I buy three tickets?', 'number');
    rejects('The app uses 2 GB', 'The app uses 2 MB', 'number');
    accepts('I was charged fifty dollars', 'I was charged $50');
    accepts('Why is it rendering twice?', 'Why does it render two times?');
  });

  test('dates and times', () => {
    rejects('Is the store open on Sunday?', 'Is the store open on Saturday?', 'date');
    rejects('Deliver it tomorrow', 'Deliver it today', 'date');
    rejects('Rows after 2024-01-01', 'Rows after 2023-01-01', 'date');
    rejects('Top news in 2019', 'Top news in 2020', 'date');
    rejects('Meeting at 10am', 'Meeting at 2pm', 'date');
    rejects('Invoices from last month', 'Invoices from next month', 'date');
    rejects('Renews on March 3', 'Renews on May 3', 'date');
  });

  test('named entities: places, products, codes, emails, urls', () => {
    rejects("What's the weather in Paris?", "What's the weather in Lyon?", 'entity');
    rejects('reverse a string in python', 'reverse a string in javascript', 'entity');
    rejects('Where is order #A12345?', 'Where is order #A12346?', 'entity');
    rejects('Send it to anna@example.com', 'Send it to ben@example.com', 'entity');
    rejects('Is https://example.com/a current?', 'Is https://example.com/b current?', 'entity');
    rejects('Is the Pro plan worth it?', 'Is the Business plan worth it?', 'entity');
    accepts('How do I connect my Gmail?', 'how can I link gmail');
  });

  test('instructions: task, format, tone, target language', () => {
    rejects('Summarise this article.', 'Translate this article.', 'instruction');
    rejects('Translate this into French.', 'Translate this into German.', 'entity');
    rejects('Summarise in 2 sentences.', 'Summarise in 5 sentences.', 'number');
    rejects('Summarise it as bullet points.', 'Summarise it as a table.', 'instruction');
    rejects('Rewrite this to sound formal.', 'Rewrite this to sound casual.', 'instruction');
    rejects(
      'Write an email asking for a refund.',
      'Write an email thanking support for a refund.',
      'instruction',
    );
    accepts('Summarise the plot of Hamlet.', 'Give me a summary of the plot of Hamlet.');
  });

  test('antonyms, comparatives and prefixes', () => {
    rejects('How do I increase my limit?', 'How do I decrease my limit?', 'antonym');
    rejects('How do I enable notifications?', 'How do I disable notifications?', 'antonym');
    rejects('Show me the cheapest flights.', 'Show me the most expensive flights.', 'antonym');
    rejects('Take it before meals?', 'Take it after meals?', 'antonym');
    rejects('Which plan has more storage?', 'Which plan has less storage?', 'antonym');
    rejects('How do I lock my screen?', 'How do I unlock my screen?', 'antonym');
  });

  test('word order and single-word substitutions', () => {
    rejects('Convert USD to EUR.', 'Convert EUR to USD.', 'order');
    rejects('Is London bigger than Paris?', 'Is Paris bigger than London?', 'order');
    rejects('Convert a string to a number', 'Convert a number to a string', 'order');
    rejects(
      'Extract all the dates from this document.',
      'Extract all the names from this document.',
      'substitution',
    );
  });

  test('too little in common', () => {
    rejects('How do I reset my password?', 'Where is the nearest train station to the airport?', 'coverage');
  });

  test('paraphrases pass', () => {
    accepts('How do I cancel my subscription?', 'I want to terminate my membership, what do I do?');
    accepts('How do I delete my account?', 'Please remove my account');
  });
});
