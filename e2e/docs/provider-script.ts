// What the impersonated providers answer: the responses printed in the seed docs, keyed by
// provider family and the last user message, so every "You should receive ..." block can be compared.

/** Provider family of an impersonated host. */
export type Family = 'openai' | 'deepseek' | 'azure' | 'comprehend' | 'lakera' | 'other';

/** A scripted chat answer. */
export interface Answer {
  content: string;
  promptTokens: number;
  completionTokens: number;
  /** When the request's max_tokens is below completionTokens: the doc's truncated text. */
  truncated?: { maxTokens: number; content: string; promptTokens: number };
}

const NEWTON_DEEPSEEK =
  "Certainly! Newton's laws of motion are three fundamental principles that describe the relationship between the motion of an object and the forces acting on it. They were formulated by Sir Isaac Newton in the late 17th century and are foundational to classical mechanics.\n\n---\n\n### **1. Newton's First Law (Law of Inertia):**\n- **Statement:** An object at rest will remain at rest, and an object in motion will continue moving at a constant velocity (in a straight line at a constant speed), unless acted upon by an external force.\n- **Key Idea:** This law introduces the concept of **inertia**, which is the tendency of an object to resist changes in its state of motion.\n- **Example:** If you slide a book across a table, it eventually stops because of the force of friction acting on it. Without friction, the book would keep moving indefinitely.\n\n---\n\n### **2. Newton's Second Law (Law of Acceleration):**\n- **Statement:** The acceleration of an object is directly proportional to the net force acting on it and inversely proportional to its mass. Mathematically, this is expressed as:\n  \\[\n  F = ma\n  \\]\n  where:\n  - \\( F \\) = net force applied (in Newtons),\n  -";

const NEWTON_OPENAI =
  "Sure, here are Newton's three laws of motion:\n\n1) Newton's First Law, also known as the Law of Inertia, states that an object at rest will stay at rest, and an object in motion will stay in motion, unless acted on by an external force. In simple words, this law suggests that an object will keep doing whatever it is doing until something causes it to do otherwise. \n\n2) Newton's Second Law states that the force acting on an object is equal to the mass of that object times its acceleration (F=ma). This means that force is directly proportional to mass and acceleration. The heavier the object and the faster it accelerates, the greater the force.\n\n3) Newton's Third Law, also known as the law of action and reaction, states that for every action, there is an equal and opposite reaction. Essentially, any force exerted onto a body will create a force of equal magnitude but in the opposite direction on the object that exerted the first force.\n\nRemember, these laws become less accurate when considering speeds near the speed of light (where Einstein's theory of relativity becomes more appropriate) or objects very small or very large. However, for everyday situations, they provide a good model of how things move.";

/** Truncated answers printed in "Restrict Maximum Number of Completion Tokens". */
export const TRUNCATED = {
  openai:
    "Newton's Laws of Motion are three physical laws that form the bedrock for classical mechanics. They describe the relationship between a body and the forces acting upon it, and the body's motion in response to those forces. \n\n1. Newton's First Law",
  deepseek:
    "Newton's Laws of Motion are three fundamental principles that form the foundation of classical mechanics. They describe the relationship between a body and the forces acting upon it, and the body's motion in response to those forces. Here's a brief explanation of each law:\n\n1. **Newton's First Law (Law of Inertia):**\n   - **Statement:** An object will remain at rest or in uniform motion in a straight line unless acted upon by an external force.\n   - **Explanation:** This law",
} as const;

/** Answers printed in the docs. */
export const DOC_ANSWERS = {
  openaiOnePlusOne: '1+1 equals 2.',
  deepseekOnePlusOne:
    'The sum of 1 and 1 is 2. This is a basic arithmetic operation where you combine two units to get a total of two units.',
  deepseekApisix:
    'Apache APISIX is a dynamic, real-time, high-performance API gateway and cloud-native platform. It provides rich traffic management features like load balancing, dynamic upstream, canary release, circuit breaking, authentication, observability, and more. Designed for microservices and serverless architectures, APISIX ensures scalability, security, and seamless integration with modern DevOps workflows.',
  azureApisix:
    'Apache APISIX is a modern, cloud-native API gateway built to handle high-performance and low-latency use cases. It offers a wide range of features, including load balancing, rate limiting, authentication, and dynamic routing, making it an ideal choice for microservices and cloud-native architectures.',
  newtonOpenai: NEWTON_OPENAI,
  newtonDeepseek: NEWTON_DEEPSEEK,
} as const;

/** The first embedding values printed in the docs (the mock pads to 16 dims). */
export const DOC_EMBEDDING = [-0.0067144386, -0.039197803, 0.034177095, 0.028763203, -0.024785956, -0.04201061];

/** Pick the scripted answer for a family and last user message. */
export function answerFor(family: Family, userText: string): Answer {
  const deepseek = family === 'deepseek';
  if (userText === 'What is 1+1?') {
    return deepseek
      ? { content: DOC_ANSWERS.deepseekOnePlusOne, promptTokens: 14, completionTokens: 31 }
      : { content: DOC_ANSWERS.openaiOnePlusOne, promptTokens: 23, completionTokens: 8 };
  }
  if (userText === 'Write me a 50-word introduction for Apache APISIX.') {
    return family === 'azure'
      ? { content: DOC_ANSWERS.azureApisix, promptTokens: 33, completionTokens: 55 }
      : { content: DOC_ANSWERS.deepseekApisix, promptTokens: 28, completionTokens: 62 };
  }
  if (/^Explain Newton/.test(userText)) {
    return deepseek
      ? {
          content: NEWTON_DEEPSEEK,
          promptTokens: 13,
          completionTokens: 180,
          truncated: { maxTokens: 100, content: TRUNCATED.deepseek, promptTokens: 10 },
        }
      : {
          content: NEWTON_OPENAI,
          promptTokens: 20,
          completionTokens: 265,
          truncated: { maxTokens: 50, content: TRUNCATED.openai, promptTokens: 20 },
        };
  }
  return { content: `Hello from the ${family} mock.`, promptTokens: 9, completionTokens: 6 };
}
